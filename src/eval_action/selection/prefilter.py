"""Which prompts can a change affect? A cheap, conservative answer before loading thousands.

Loading a prompt (YAML, datasets, templates) to learn its dependencies costs about 0.2 ms, most of
the planning time on a repository of thousands; so only the candidates found here are loaded, and
`discovery.select` then decides exactly among them.

Why a prompt that is not a candidate can't be affected. Every dependency is named in the text of
the prompt file, of the partials it includes, or of the config:
- a file (dataset, schema, scorer or target file) by a path ending in its file name, or by a module
  whose last part is the file's stem: either way the first word of the file name appears whole;
- a package folder by a module reference `package.sub:function`: its name stands right before `:`;
- a partial by a literal name in `{% include %}` (and import, extends, from), or an MDX component by
  `import Name from './file.mdx'`, followed here the same way into the partials it includes.
A symlink lends its names to what it points at. Text that can't be read this simply makes its
prompt a candidate: escapes that could spell part of a name (`\\x61`, a backslash-newline), an
include without a literal name, a file that can't be read. A config that changed, or that names a
changed path, makes every prompt a candidate; so does a changed path outside ASCII. Words match
case-insensitively, as file systems may.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from eval_action.inputs.globs import compile_globs
from eval_action.inputs.prompts.files import Tree
from eval_action.model.specs import Config
from eval_action.selection.changes import ChangeSet
from eval_action.selection.discovery import triggered

_WORD = re.compile(rb"[a-z0-9_\-]+")
_WORD_TEXT = re.compile(r"[A-Za-z0-9_\-]+")
_MODULE_END = re.compile(rb"([a-z0-9_\-]+):(?=\S)")
# Escapes that could spell an ASCII character of a name (`\x61`, `\u0061`, `\U00000061` lower-cased), or
# join two lines into one word (a backslash-newline).
_ESCAPE = re.compile(rb"\\x[0-7]|\\u00[0-7]|\\\r?\n|\x00")
_STATEMENT = re.compile(rb"\{%[-+]?\s*(?:include|import|extends|from)\b", re.I)
# A name that is one string, then the end of the tag or a keyword: not `'a' ~ b`, not a list.
_LITERAL = re.compile(rb"\{%[-+]?\s*(?:include|import|extends|from)\s+(['\"])([^'\"\\\n]+)\1"
                      rb"\s*(?:[-+]?%\}|(?:ignore|with|without|as|import)\b)", re.I)
# MDX (AgentMark) components: `import Name from './file.mdx'`, relative to the importing file
_MDX_IMPORT = re.compile(rb"^import\s+\w+\s+from\s+(['\"])([^'\"\n]+)\1", re.M)


@dataclass(frozen=True)
class _Names:
    """The words a text must hold to name one of the changed paths."""

    files: frozenset[bytes]  # first word of each file name
    folders: frozenset[bytes]  # folder names, as the last part of a module reference

    def named_in(self, text: bytes) -> bool:
        text = text.lower()
        if _ESCAPE.search(text) or not self.files.isdisjoint(_WORD.findall(text)):
            return True
        return bool(self.folders) and not self.folders.isdisjoint(_MODULE_END.findall(text))


def candidates(changeset: ChangeSet, tree: Tree, root: Path, config: Config, config_file: Path,
               config_rel: str) -> list[str]:
    """The prompt files (of `tree.prompts`) whose evals this change may affect, in tree order."""
    changed = {p for f in changeset.files for p in (f.path, f.old_path) if p}
    if not changed:
        return []
    if config_rel in changed:
        return tree.prompts
    aliased = changed | set(_aliases(root, tree.symlinks, changed))
    names = _names(aliased)
    config_text = _read(str(config_file)) if config_file.is_file() else b""
    if names is None or config_text is None or names.named_in(config_text):
        return tree.prompts
    picked = changed | set(triggered(sorted(changed), tree.prompts, config, posixpath.dirname(config_rel)))
    texts = _Texts(str(root), names, {p.lower() for p in aliased})
    return [p for p in tree.prompts if p in picked or texts.may_depend(p)]


def touches_prompt_files(changeset: ChangeSet, config: Config) -> bool:
    """A deleted or renamed-away prompt is reported as removed even when nothing else runs."""
    globs = compile_globs(config.prompts)
    return any(globs.match(p) for f in changeset.files for p in (f.path, f.old_path) if p)


def _names(paths: set[str]) -> _Names | None:
    files: set[bytes] = set()
    folders: set[bytes] = set()
    for path in paths:
        *dirs, base = path.split("/")
        word = _WORD_TEXT.search(base)
        if not path.isascii() or word is None:
            return None
        files.add(word.group().lower().encode())
        folders.update(d.lower().encode() for d in dirs if d.isidentifier())
    return _Names(frozenset(files), frozenset(folders))


def _aliases(root: Path, symlinks: list[str], changed: set[str]) -> list[str]:
    """`link/rest` for each changed `target/rest` that a symlink `link` points at."""
    real_root = os.path.realpath(root)
    out: list[str] = []
    for link in symlinks:
        real = os.path.realpath(root / link)
        if not real.startswith(real_root + os.sep):
            continue
        target = real[len(real_root) + 1:].replace(os.sep, "/")
        out += [link + c[len(target):] for c in changed if c == target or c.startswith(target + "/")]
    return out


def _read(file: str) -> bytes | None:
    try:
        with open(file, "rb") as f:
            return f.read()
    except OSError:
        return None


@dataclass
class _Texts:
    """Prompt files and the partials they include, each partial read once."""

    root: str
    names: _Names
    changed: set[str]  # lower case
    partials: dict[str, list[str | None] | None] = field(default_factory=dict)  # name -> what it includes

    def may_depend(self, prompt: str) -> bool:
        text = _read(os.path.join(self.root, prompt))
        if text is None or self.names.named_in(text):
            return True
        pending, seen = _includes(text, prompt), set()
        while pending:
            name = pending.pop()
            if name is None or name.lower() in self.changed:
                return True
            if name not in seen:
                seen.add(name)
                pending += self._includes_of(name)
        return False

    def _includes_of(self, partial: str) -> list[str | None]:
        if partial not in self.partials:
            inside = not partial.startswith(("../", "/")) and partial != ".."
            text = _read(os.path.join(self.root, partial)) if inside else None
            self.partials[partial] = None if text is None else _includes(text, partial)
        found = self.partials[partial]
        return [None] if found is None else list(found)


def _includes(text: bytes, path: str) -> list[str | None]:
    """Partials a template at `path` names, repository-relative; None for one whose name isn't a plain
    string."""
    folder = posixpath.dirname(path)
    out: list[str | None] = [posixpath.normpath(posixpath.join(folder, m.group(2).decode("utf-8", "replace")))
                             for m in _MDX_IMPORT.finditer(text)] if b"import" in text else []
    if b"{%" not in text:
        return out
    for statement in _STATEMENT.finditer(text):
        literal = _LITERAL.match(text, statement.start())
        out.append(posixpath.normpath(literal.group(2).decode("utf-8", "replace")) if literal else None)
    return out
