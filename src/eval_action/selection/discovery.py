"""Pure: changed paths + config + prompt dependencies -> the prompts whose evals must run.

A prompt runs when its own file changed, when one of its dependencies changed (a folder
dependency ends in "/" and matches by prefix), when a `triggers:` rule fires for it, or when
the config entries it uses changed:
- its provider (or a grader provider one of its scorers names) differs from the base config;
- `defaults` differs: every prompt re-runs, since defaults can shape any prompt's settings;
- the `pricing` entry of its model differs;
- the `prompts:` globs changed and now match it where they did not before.
A change to a provider no prompt uses selects nothing.

Globs are git-style and anchored at the config file's folder: `*` and `?` stay inside one
path segment, `**` spans folders, and a pattern ending in "/" means everything below it.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from eval_action.inputs.globs import compile_globs
from eval_action.model.specs import Config, PromptSpec
from eval_action.selection.changes import FileChange

# Scorers that call a grader model; without their own `provider` they use `defaults.grader`.
_GRADED = {"llm-rubric", "factuality", "similar", "github/llm", "github/similarity", "github/relevance",
           "github/coherence", "github/fluency", "github/groundedness"}
_VERB = {"A": "added", "M": "changed", "D": "deleted", "R": "renamed"}


@dataclass(frozen=True)
class Selected:
    path: str
    reasons: list[str]
    base_path: str | None = None  # where the prompt lived at the base revision, when it was renamed


@dataclass(frozen=True)
class Selection:
    selected: list[Selected]
    removed: list[str]  # prompt files the change deleted: reported, not run
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- selection
class _Picks:
    """Reasons per prompt path, in first-seen order, without duplicates."""

    def __init__(self) -> None:
        self.reasons: dict[str, list[str]] = defaultdict(list)

    def add(self, path: str, reason: str) -> None:
        if reason not in self.reasons[path]:
            self.reasons[path].append(reason)


def select(
    changes: list[FileChange],
    prompts: list[PromptSpec],
    head_config: Config,
    base_config: Config | None,
    config_path: str = "eval-action.yaml",
) -> Selection:
    picks = _Picks()
    notes: list[str] = []
    _by_prompt_file(changes, prompts, picks)
    _by_dependency(changes, prompts, picks)
    folder = posixpath.dirname(config_path)
    _by_trigger(changes, prompts, head_config, folder, picks)
    if any(config_path in (c.path, c.old_path) for c in changes):
        if base_config is None:
            notes.append(f"{config_path} changed and its base version is unavailable: every prompt runs")
            for spec in prompts:
                picks.add(spec.path, f"{config_path} changed")
        else:
            _by_config(prompts, head_config, base_config, config_path, picks)
    renamed = {c.path: c.old_path for c in changes if c.status == "R"}
    selected = [
        Selected(p.path, picks.reasons[p.path], renamed.get(p.path))
        for p in prompts
        if p.path in picks.reasons
    ]
    removed = _removed(changes, prompts, head_config, base_config, folder)
    return Selection(selected=selected, removed=removed, notes=notes)


def select_all(prompts: list[PromptSpec], reason: str) -> Selection:
    return Selection(selected=[Selected(p.path, [reason]) for p in prompts], removed=[])


def _by_prompt_file(changes: list[FileChange], prompts: list[PromptSpec], picks: _Picks) -> None:
    paths = {p.path for p in prompts}
    for change in changes:
        if change.path not in paths or change.status == "D":
            continue
        detail = f" from {change.old_path}" if change.old_path else ""
        picks.add(change.path, f"prompt file {_VERB[change.status]}{detail}")


def _by_dependency(changes: list[FileChange], prompts: list[PromptSpec], picks: _Picks) -> None:
    # Built once per call: a change is then matched by dict lookups, not by scanning every prompt.
    files: dict[str, list[tuple[str, str]]] = defaultdict(list)
    folders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for spec in prompts:
        for dep in spec.dependencies:
            path = dep.path.removeprefix("./")
            (folders if path.endswith("/") else files)[path].append((spec.path, dep.kind))
    for change in changes:
        for path in filter(None, (change.path, change.old_path)):
            verb = _VERB[change.status]
            for prompt, kind in files.get(path, ()):
                picks.add(prompt, f"{kind} {path} {verb}")
            for folder in _parent_folders(path):
                for prompt, kind in folders.get(folder, ()):
                    picks.add(prompt, f"{kind} {folder} {verb} ({path})")


def _parent_folders(path: str) -> Iterable[str]:
    """'a/b/c.py' -> 'a/', 'a/b/'."""
    parts = path.split("/")[:-1]
    return ("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))


def _by_trigger(
    changes: list[FileChange], prompts: list[PromptSpec], config: Config, folder: str, picks: _Picks
) -> None:
    changed = [p for c in changes for p in (c.path, c.old_path) if p]
    for path, reasons in triggered(changed, [s.path for s in prompts], config, folder).items():
        for reason in reasons:
            picks.add(path, reason)


def triggered(changed: list[str], prompt_paths: list[str], config: Config, folder: str) -> dict[str, list[str]]:
    """Prompt path -> reasons, for the `triggers:` rules a changed path fires."""
    out: dict[str, list[str]] = defaultdict(list)
    for trigger in config.triggers:
        when = compile_globs([trigger.when], folder)
        hit = next((p for p in changed if when.match(p)), None)
        if hit is None:
            continue
        run = compile_globs([trigger.run], folder)
        for path in prompt_paths:
            if run.match(path):
                out[path].append(f'trigger "{trigger.when}" matched {hit}')
    return out


def _by_config(
    prompts: list[PromptSpec], head: Config, base: Config, config_path: str, picks: _Picks
) -> None:
    in_config = f"in {config_path}"
    defaults_changed = head.defaults != base.defaults
    prices = _changed_keys(head.pricing, base.pricing)
    providers = _changed_keys(head.providers, base.providers)
    grader = head.defaults.grader if isinstance(head.defaults.grader, str) else None
    folder = posixpath.dirname(config_path)
    was_matched = compile_globs(base.prompts, folder)
    globs_changed = head.prompts != base.prompts
    for spec in prompts:
        if defaults_changed:
            picks.add(spec.path, f"defaults changed {in_config}")
        for name in sorted(_provider_names(spec, grader) & providers):
            picks.add(spec.path, f'provider "{name}" changed {in_config}')
        if spec.provider.model in prices:
            picks.add(spec.path, f'pricing for "{spec.provider.model}" changed {in_config}')
        if globs_changed and not was_matched.match(spec.path):
            picks.add(spec.path, f"newly matched by the prompts globs {in_config}")


def _changed_keys(head: Mapping[str, object], base: Mapping[str, object]) -> set[str]:
    return {k for k in head.keys() | base.keys() if head.get(k) != base.get(k)}


def _provider_names(spec: PromptSpec, default_grader: str | None) -> set[str]:
    """Config providers the prompt uses: its target and the graders of its model-graded scorers."""
    names = {s.provider for s in spec.scorers if isinstance(s.provider, str)}
    graded = any(s.provider is None and s.type.removeprefix("not-") in _GRADED for s in spec.scorers)
    if default_grader and graded:
        names.add(default_grader)
    if spec.provider_name:
        names.add(spec.provider_name)
    return names


def _removed(
    changes: list[FileChange], prompts: list[PromptSpec], head: Config, base: Config | None, folder: str
) -> list[str]:
    globs = compile_globs([*head.prompts, *(base.prompts if base else [])], folder)
    live = {p.path for p in prompts}
    # A renamed prompt lives on under its new path; only a rename to a non-prompt removes it.
    gone = [c.path for c in changes if c.status == "D"]
    gone += [c.old_path for c in changes if c.old_path and c.path not in live]
    return [p for p in gone if p not in live and globs.match(p)]
