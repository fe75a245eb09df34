"""Every repository file a prompt reads, so a change to any of them re-runs its eval."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from eval_action.inputs import valuefiles
from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.templating import referenced_templates
from eval_action.inputs.yamlio import read_text, show
from eval_action.model.errors import UserError
from eval_action.model.specs import Dependency, ProviderSpec, ScorerSpec

_SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")
_SCHEMA_TYPES = ("is-json", "contains-json", "json-schema")  # `value` may name a schema file
Kind = Literal["dataset", "scorer", "schema", "include", "target", "file"]


def collect(repo_root: Path, prompt_file: Path, path: str, *, dataset: Path | None, templates: Iterable[str],
            scorers: Iterable[ScorerSpec], provider: ProviderSpec, files: Iterable[str] = (),
            includes: Iterable[str] = ()) -> list[Dependency]:
    """Dependencies of one prompt; `path` is the prompt's repository-relative path, for errors; `files`
    are the repository-relative files the prompt file reads itself (Prompty's `${file:…}`), `includes`
    those its parser inlined (MDX components)."""
    deps: set[tuple[str, Kind]] = set((p, "file") for p in files)
    deps.update((p, "include") for p in includes)
    if dataset is not None:
        deps.add((repo_relative(repo_root, dataset), "dataset"))
    deps.update((p, "include") for p in _includes(repo_root, templates, path))
    for spec in scorers:
        deps.update(_scorer_files(repo_root, prompt_file.parent, spec, path))
    deps.update((p, "target") for p in _target_files(repo_root, provider))
    return [Dependency(path=p, kind=k) for p, k in sorted(deps)]


def _includes(repo_root: Path, templates: Iterable[str], path: str) -> set[str]:
    """Included/imported templates, followed transitively (a partial may include another)."""
    found: set[str] = set()
    pending = [name for source in templates for name in referenced_templates(source, repo_root)]
    while pending:
        name = pending.pop()
        rel = _existing(repo_root, repo_root / name)
        if rel is None:
            raise UserError(f"template includes `{show(name)}`, which is not a file in the repository — "
                            "include paths are relative to the repository root", path)
        if rel in found:
            continue
        found.add(rel)
        pending.extend(referenced_templates(read_text(repo_root / rel, rel), repo_root))
    return found


def _scorer_files(repo_root: Path, prompt_dir: Path, spec: ScorerSpec, path: str) -> set[tuple[str, Kind]]:
    value, base = spec.value, spec.type.removeprefix("not-")
    named = valuefiles.refs(value)
    if named:
        kind: Kind = "scorer" if valuefiles.names_code(base) else "schema" if base in _SCHEMA_TYPES else "file"
        return {(repo_relative(repo_root, valuefiles.resolve(ref, prompt_dir, repo_root, path, spec.line)), kind)
                for ref in named}
    if not isinstance(value, str):
        return set()
    if base == "python" and ":" in value:
        target = value.rsplit(":", 1)[0]
        if target.endswith(".py"):
            file = resolve_inside(repo_root, prompt_dir, target, source=path, line=spec.line)
            rel = _existing(repo_root, file)
            if rel is None:
                raise UserError(f"scorer file `{target}` not found — paths are relative to this file",
                                path, spec.line)
            return {(rel, "scorer")}
        return {(p, "scorer") for p in _module(repo_root, [prompt_dir, repo_root], target)}
    if base in _SCHEMA_TYPES and value.endswith(_SCHEMA_SUFFIXES) and "\n" not in value:
        file = resolve_inside(repo_root, prompt_dir, value, source=path, line=spec.line)
        rel = _existing(repo_root, file)
        return {(rel, "schema")} if rel else set()
    return set()


def _target_files(repo_root: Path, provider: ProviderSpec) -> set[str]:
    """Targets run from the repository root, so their files are looked up there."""
    if provider.type == "python" and provider.function and ":" in provider.function:
        target = provider.function.rsplit(":", 1)[0]
        if target.endswith(".py"):
            rel = _existing(repo_root, repo_root / target)
            return {rel} if rel else set()
        return _module(repo_root, [repo_root], target)
    if provider.type == "command":
        files = [repo_root / a for a in provider.command or [] if a and not a.startswith("-")]
        return {rel for f in files if f.is_file() and (rel := _existing(repo_root, f))}
    return set()


def _module(repo_root: Path, bases: list[Path], module: str) -> set[str]:
    """`a.b` → `a/b.py`, or `a/b/` when it is a package; the first base that has it wins."""
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return set()
    for base in bases:
        rel = _existing(repo_root, base.joinpath(*parts[:-1], parts[-1] + ".py"))
        if rel:
            return {rel}
        package = base.joinpath(*parts)
        if (package / "__init__.py").is_file() or package.is_dir():
            rel = _existing(repo_root, package)
            if rel:
                return {rel + "/"}
    return set()


def _existing(repo_root: Path, candidate: Path) -> str | None:
    """Repository-relative path of an existing file or folder inside the repository, else None."""
    try:
        if not candidate.exists():
            return None
        real, root = candidate.resolve(), repo_root.resolve()
    except (OSError, ValueError):
        return None
    if not real.is_relative_to(root) or real == root:
        return None
    return repo_relative(repo_root, candidate)
