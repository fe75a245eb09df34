"""Can this change affect any prompt at all? A cheap, conservative answer before loading thousands.

Loading every prompt (YAML, datasets, templates) to build the dependency index costs about a
millisecond each; a PR that touches no prompt should not pay that on a large repository. Every
dependency of a prompt is named, by path or module, in a prompt file or the config (includes
inside included partials are named in those partials, which are themselves named somewhere), so a
changed path none of whose folder or file names occurs as a word in any of those texts, that is not
a prompt file, the config, or under a trigger, cannot be a dependency. When in doubt: relevant.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from eval_action.changes import ChangeSet
from eval_action.discovery import compile_globs
from eval_action.models import Config

_WORD = re.compile(r"[A-Za-z0-9_\-]+")


def _words(texts: list[bytes]) -> set[str]:
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(text.decode("utf-8", "replace")))
    return words


def _names(path: str) -> set[str]:
    parts = PurePosixPath(path).parts
    return {PurePosixPath(p).stem for p in parts} | {p.split(".")[0] for p in parts}


def could_affect(changeset: ChangeSet, root: Path, prompt_paths: list[str], config: Config,
                 config_rel: str) -> bool:
    changed = [p for f in changeset.files for p in (f.path, f.old_path) if p]
    if not changed:
        return False
    prompts = set(prompt_paths)
    folder = str(PurePosixPath(config_rel).parent).removeprefix(".")
    triggers = compile_globs([str(PurePosixPath(folder, t.when)) if folder else t.when for t in config.triggers])
    prompt_globs = compile_globs(config.prompts)
    if any(p in prompts or p == config_rel or triggers.match(p) or prompt_globs.match(p) for p in changed):
        return True
    names = {name for p in changed for name in _names(p) if name}
    files = [root / config_rel] if (root / config_rel).is_file() else []
    # stop at the first file naming a changed path: a relevant change is usually found at once
    return any(names & _words([f.read_bytes()]) for f in [*files, *(root / p for p in prompt_paths)])
