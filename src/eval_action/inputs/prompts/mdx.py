"""AgentMark's MDX, turned into our Jinja templates: comments, imports, components, conditionals, loops.

Comments and `import` lines become blank lines, so every error still names the file's own line.
A component (`<Tone tone={props.tone} />`, imported from an `.mdx` file) is inlined with its
attributes as its `props`; `<If>`/`<ElseIf>`/`<Else>` become `{% if %}` blocks and `<ForEach>`
a `{% for %}` loop; `<Raw>` text is left as written. Expressions are read in a small subset of
JavaScript (props and loop paths, literals, comparisons, `&&`, `||`, `!`): anything else is refused
by name rather than sent as literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.template_bounds import MAX_OUTPUT_CHARS
from eval_action.inputs.yamlio import read_text, show, split_front_matter
from eval_action.model.errors import UserError

_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
_SPACE = re.compile(r"\s*")
_FENCE = re.compile(r"[ \t]*\n(?=---[ \t]*\n)")
_IMPORT = re.compile(r"^import\s+([A-Z]\w*)\s+from\s+(['\"])([^'\"]+)\2\s*;?[ \t]*$", re.M)
_ESM = re.compile(r"^(import|export)\b.*$", re.M)
_ATTR = r"""\s+\w+(?:=(?:"[^"]*"|'[^']*'|\{[^{}]*\}))?"""
_COMPONENT = re.compile(rf"<([A-Z]\w*)((?:{_ATTR})*)\s*/>")
_ATTRS = re.compile(r"""(\w+)(?:=(?:"([^"]*)"|'([^']*)'|\{([^{}]*)\}))?""")
_IF = re.compile(r"<(If|ElseIf)\s+condition=\{([^{}]*)\}\s*>")
_CHAIN = re.compile(r"</(?:If|ElseIf)>\s*(?=<(?:ElseIf|Else)[\s>])")
_TAG = re.compile(r"</?([A-Z]\w*)")
_RAW = re.compile(r"<Raw>(.*?)</Raw>", re.S)
_HEAD = r"<ForEach\s+arr=\{([^{}]*)\}\s*>\s*\{\s*\(\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*)\s*)?\)\s*=>"
_FOR_HEAD = re.compile(_HEAD)
# `<ForEach arr={…}>{(item, index) => (<>…</>)}</ForEach>` holding no other ForEach (inner ones go first)
_FOR = re.compile(_HEAD + r"\s*(\()?\s*<>((?:(?!<ForEach[\s>]).)*?)</\s*>\s*(?(4)\))\s*\}\s*</ForEach>", re.S)
# what may hold a `{` after conversion (code, Jinja's tags, an escaped brace), else group 2: an expression left
_LEFT = re.compile(r"^[ \t]*(`{3,}+|~{3,}+).*?^[ \t]*\1|`[^`\n]*`|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\\\{|(\{)",
                   re.S | re.M)
_RAW_OPEN, _RAW_CLOSE = "{% raw %}", "{% endraw %}"
_TOKEN = re.compile(r"""\s+|"[^"\\]*"|'[^'\\]*'|\d+(?:\.\d+)?|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"""
                    r"""|===|!==|==|!=|<=|>=|&&|\|\||[<>!()+\-*/%]""")
_WORDS = {"true": "true", "false": "false", "null": "none", "undefined": "none",
          "===": "==", "!==": "!=", "&&": " and ", "||": " or ", "!": " not "}
_NOT_TEXT = {"ForEach": "eval-action reads `<ForEach arr={…}>{(item, index) => (…)}</ForEach>` only",
             "ImageAttachment": "attachments are images and files; eval-action sends text messages",
             "FileAttachment": "attachments are images and files; eval-action sends text messages"}
MAX_DEPTH = 10


@dataclass
class Inlined:
    """What a prompt's components expanded to, shared by the prompt and every component it reaches."""

    bodies: dict[str, str] = field(default_factory=dict)  # repo path → its template (each file read once)
    chars: int = 0  # components used inside components multiply: the total is bounded


@dataclass
class Source:
    """One MDX file being read: where it is, and the components it imports (name → repo path)."""

    repo_root: Path
    file: Path
    display: str
    components: dict[str, Path] = field(default_factory=dict)
    inlined: Inlined = field(default_factory=Inlined)


def blank(match: re.Match[str]) -> str:
    return "\n" * match.group().count("\n")


def split_lead(text: str) -> tuple[int, str]:
    """Comments above the front matter: the lines they take, and the text from `---` on. Scanned one
    by one: a pattern repeating lazy comments backtracks exponentially when no `---` follows."""
    pos, comments = 0, 0
    while True:
        start = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # `\s*` always matches
        if not text.startswith("{/*", start):
            break
        end = text.find("*/}", start + 3)
        if end < 0:
            break
        pos, comments = end + 3, comments + 1
    fence = _FENCE.match(text, pos) if comments else None
    return (text.count("\n", 0, fence.end()), text[fence.end():]) if fence else (0, text)


def strip(body: str, src: Source, offset: int) -> str:
    """Comments and imports out (blank lines in their place); imported components recorded."""
    body = _COMMENT.sub(blank, body)
    unclosed = body.find("{/*")
    if unclosed >= 0:
        raise UserError("`{/*` comment never closes — end it with `*/}`", src.display, _line(body, unclosed, offset))
    for m in _IMPORT.finditer(body):
        src.components[m.group(1)] = _component_file(m.group(3), src, _line(body, m.start(), offset))
    body = _IMPORT.sub("", body)
    esm = _ESM.search(body)
    if esm:
        raise UserError(f"`{show(esm.group(), 60)}` — eval-action reads `import Name from './file.mdx'` only "
                        "(components); JavaScript imports and exports can't run here", src.display,
                        _line(body, esm.start(), offset))
    return body


def to_template(content: str, src: Source, line: int | None, depth: int = 0) -> str:
    """One message's MDX as a Jinja template: components inlined, loops, conditionals and `{props.x}`
    converted."""
    raw: list[str] = []  # `<Raw>` text, kept out of every conversion below
    content = _RAW.sub(lambda m: _stash(raw, m.group(1)), content)
    names = {"props", *(n for m in _FOR_HEAD.finditer(content) for n in m.groups()[1:] if n)}
    content = _COMPONENT.sub(lambda m: _inline(m, src, line, content, depth, names), content)
    while (loop := _FOR.search(content)) is not None:
        content = content[:loop.start()] + _for(loop, src, _at(content, loop.start(), line), names) + \
            content[loop.end():]
    content = _CHAIN.sub("", content)  # `</If>` then `<ElseIf>`/`<Else>`: one block goes on
    content = _IF.sub(lambda m: _if(m, src, line, content, names), content)
    content = re.sub(r"</(?:If|ElseIf|Else)>", "{% endif %}", content)
    content = re.sub(r"<Else\s*>", "{% else %}", content)
    content = _values(names).sub(lambda m: "{{ " + expression(m.group(1), src, line, names) + " }}", content)
    stray = _TAG.search(content)
    if stray:
        name = stray.group(1)
        why = _NOT_TEXT.get(name, f"it is not a component this file imports — add `import {name} from "
                                  f"'./{name}.mdx'` or remove the tag")
        if name in src.components:
            why = f"write it as `<{name} … />`: components with children are not read"
        raise UserError(f"`<{show(name)}>` is not supported: {why}", src.display, _at(content, stray.start(), line))
    _refuse_expressions(content, src, line)
    return re.sub(r"\x00(\d+)\x00", lambda m: "{% raw %}" + raw[int(m.group(1))] + "{% endraw %}", content)


def _refuse_expressions(content: str, src: Source, line: int | None) -> None:
    """A `{…}` no conversion read is JavaScript we can't run: refused, never sent as literal text."""
    content = _blank_raw(content)
    left = next((m for m in _LEFT.finditer(content) if m.group(2)), None)
    if left is None:
        return
    end = content.find("}", left.start())
    js = content[left.start() + 1:end if end >= 0 else len(content)]
    raise UserError(f"MDX expression `{{{show(js.strip(), 60)}}}` is not supported — use props paths, literals, "
                    "comparisons, &&, || and !, or put literal braces in `<Raw>`", src.display,
                    _at(content, left.start(), line))


def _blank_raw(content: str) -> str:
    """The inlined components' `{% raw %}` blocks as blank lines (found with `find`: a lazy pattern
    would rescan the text for each unclosed block)."""
    parts, pos = [], 0
    while (start := content.find(_RAW_OPEN, pos)) >= 0 and (end := content.find(_RAW_CLOSE, start)) >= 0:
        parts += [content[pos:start], "\n" * content.count("\n", start, end)]
        pos = end + len(_RAW_CLOSE)
    return "".join(parts) + content[pos:]


def _stash(kept: list[str], text: str) -> str:
    kept.append(text)
    return f"\x00{len(kept) - 1}\x00"


def _values(names: set[str]) -> re.Pattern[str]:
    """`{props.a.b}`, and `{item}`/`{item.a}` for a loop's names; never Jinja's own `{{ … }}`."""
    loops = "".join(f"|{re.escape(n)}(?:\\.[A-Za-z_]\\w*)*" for n in sorted(names - {"props"}))
    return re.compile(rf"(?<!\{{)\{{\s*(props(?:\.[A-Za-z_]\w*)+{loops})\s*\}}(?!\}})")


def expression(js: str, src: Source, line: int | None, names: set[str]) -> str:
    """A JavaScript expression of the subset we read, as a Jinja expression (`x.length` → `x|length`)."""
    out, pos = [], 0
    while pos < len(js):
        m = _TOKEN.match(js, pos)
        word = m.group() if m else js[pos]
        if m is None or not _allowed(word, names):
            raise UserError(f"MDX expression `{{{show(js.strip(), 60)}}}` is not supported — use props "
                            "paths, literals, comparisons, &&, || and !", src.display, line)
        out.append(_WORDS.get(word) or _path(word))
        pos = m.end()
    return "".join(out).strip()


def _path(word: str) -> str:
    """`a.b.length` → `(a.b|length)`; a key that is also a dict method (`items`, `keys`) is subscripted,
    as Jinja's `.` would find the method first."""
    if not word[0].isalpha() and word[0] not in "_$":
        return word
    first, *rest = word.split(".")
    length = rest[-1:] == ["length"]
    keys = rest[:-1] if length else rest
    path = first + "".join(f'["{part}"]' if hasattr(dict, part) else f".{part}" for part in keys)
    return f"({path}|length)" if length else path


def _allowed(word: str, names: set[str]) -> bool:
    if not word[0].isalpha() and word[0] not in "_$":
        return True
    return word in _WORDS or word.split(".")[0] in names


def _for(m: re.Match[str], src: Source, line: int | None, names: set[str]) -> str:
    item, index = m.group(2), m.group(3)
    head = "{% for " + item + " in " + expression(m.group(1), src, line, names) + " %}"
    return head + ("{% set " + index + " = loop.index0 %}" if index else "") + m.group(5) + "{% endfor %}"


def _inline(m: re.Match[str], src: Source, line: int | None, content: str, depth: int, names: set[str]) -> str:
    name, at = m.group(1), _at(content, m.start(), line)
    file = src.components.get(name)
    if file is None:
        return m.group()  # left for the stray-tag check, which names it
    if depth >= MAX_DEPTH:
        raise UserError(f"components nest more than {MAX_DEPTH} deep (does `{show(name)}` include itself?)",
                        src.display, at)
    rel = repo_relative(src.repo_root, file)
    body = src.inlined.bodies.get(rel)
    if body is None:
        inner = Source(src.repo_root, file, rel, inlined=src.inlined)
        fm = split_front_matter(read_text(file, rel), rel)
        text = strip(fm.body, inner, fm.body_offset).rstrip()
        lead = text[:len(text) - len(text.lstrip())].count("\n")  # blank lines where imports were
        body = to_template(text.strip(), inner, fm.body_offset + lead + 1, depth + 1)
        src.inlined.bodies[rel] = body
    src.inlined.chars += len(body)
    if src.inlined.chars > MAX_OUTPUT_CHARS:
        raise UserError(f"components expand to more than {MAX_OUTPUT_CHARS:,} characters — use fewer nested "
                        "components", src.display, at)
    pairs = [f"{a.group(1)!r}: {_attr_value(a, src, at, names)}" for a in _ATTRS.finditer(m.group(2))]
    return "{% with props = {" + ", ".join(pairs) + "} %}" + body + "{% endwith %}"


def _attr_value(a: re.Match[str], src: Source, line: int | None, names: set[str]) -> str:
    if a.group(4) is not None:
        return expression(a.group(4), src, line, names)
    text = a.group(2) if a.group(2) is not None else a.group(3)
    return "true" if text is None else repr(text)


def _if(m: re.Match[str], src: Source, line: int | None, content: str, names: set[str]) -> str:
    keyword = "if" if m.group(1) == "If" else "elif"
    return "{% " + keyword + " " + expression(m.group(2), src, _at(content, m.start(), line), names) + " %}"


def _component_file(rel: str, src: Source, line: int) -> Path:
    if not rel.endswith(".mdx"):
        raise UserError(f"import `{show(rel)}` is not an .mdx component — eval-action inlines MDX components "
                        "only; JavaScript can't run here", src.display, line)
    file = resolve_inside(src.repo_root, src.file.parent, rel, source=src.display, line=line)
    if not file.is_file():
        raise UserError(f"component `{show(rel)}` not found — paths are relative to this file", src.display, line)
    return file


def _line(text: str, index: int, offset: int) -> int:
    return offset + text.count("\n", 0, index) + 1


def _at(content: str, index: int, line: int | None) -> int | None:
    return line + content.count("\n", 0, index) if line else None
