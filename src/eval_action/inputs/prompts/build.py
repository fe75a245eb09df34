"""What every prompt-file kind shares once parsed: provider lookup, cases, scorers, checks, dependencies."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eval_action.inputs import valuefiles
from eval_action.inputs.config import check_provider, check_provider_name
from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.prompts import datasets, deps
from eval_action.inputs.prompts.schema import Evals
from eval_action.inputs.prompts.tools import check_tools
from eval_action.inputs.templating import check_syntax
from eval_action.inputs.yamlio import Loc, YamlDoc, show
from eval_action.model.errors import UserError
from eval_action.model.specs import (
    Case,
    Config,
    Message,
    NotAnEval,
    PromptSpec,
    ProviderSpec,
    ScorerSpec,
    ToolChoice,
    ToolSpec,
    flat_scorers,
)

ZERO_CASES = "a gate over zero cases would pass silently"


@dataclass(frozen=True)
class Draft:
    """A prompt file parsed into common terms; `doc` locates keys for error lines."""

    path: str  # repository-relative
    file: Path
    kind: Literal["yaml", "md", "mdx", "prompty", "github"]
    doc: YamlDoc
    name: str
    provider_name: str | None
    provider: ProviderSpec
    params: dict[str, Any]
    messages: list[tuple[Message, int | None]]  # with the file line each starts on
    evals: Evals | None
    evals_loc: Loc = ("evals",)
    cases_key: str = "cases"  # where, under `evals_loc`, the cases and scorers stand (GitHub: testData, evaluators)
    scorers_key: str = "scorers"
    sample: dict[str, Any] | None = None  # one case when there is no dataset (Prompty, AgentMark props)
    sample_loc: Loc = ("sample",)
    agentmark_rows: bool = False
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    includes: list[str] = field(default_factory=list)  # repository files the parser inlined (MDX components)
    data_dir: Path | None = None  # where `dataset` is relative to, when not the file's folder (AgentMark's root)
    var_defaults: dict[str, Any] = field(default_factory=dict)  # under every case's vars (Prompty inputs)
    references: list[str] = field(default_factory=list)  # files the prompt file itself reads (`${file:…}`)


def not_an_eval(data: dict[str, Any], eval_keys: tuple[str, ...], doc: YamlDoc) -> NotAnEval:
    """The file has none of `eval_keys`: it is not an eval, unless a key looks like a misspelt one."""
    for key in data:
        close = difflib.get_close_matches(str(key), eval_keys, n=1, cutoff=0.75)
        if close and key not in eval_keys:
            raise doc.error(f"key `{show(key)}` is not known — did you mean `{close[0]}`? (without it "
                            "this file is not an eval)", (str(key),))
    return NotAnEval(doc.path)


def resolve_provider(value: str | ProviderSpec | None, config: Config, doc: YamlDoc,
                     loc: Loc = ("provider",)) -> tuple[str | None, ProviderSpec]:
    """A config provider by name (default `default`), or an inline mapping (then the name is None)."""
    if isinstance(value, ProviderSpec):
        check_provider(value, doc.path, doc.locate(loc))
        return None, value
    name = value or "default"
    check_provider_name(name, config.providers, doc.path, doc.locate(loc))
    return name, config.providers[name]


def check_template(source: str, repo_root: Path, path: str, line: int | None) -> None:
    """Jinja syntax, reported at the file line (`line` is where the template starts)."""
    try:
        check_syntax(source, repo_root, path)
    except UserError as e:
        at = line + (e.line or 1) - 1 if line else e.line
        raise UserError(e.message, path, at) from None
    except RecursionError:
        raise UserError("template is nested too deeply — simplify it", path, line) from None


def finish(d: Draft, repo_root: Path, config: Config) -> PromptSpec:
    evals = d.evals or Evals()
    for message, line in d.messages:
        check_template(message.content, repo_root, d.path, line)
    scorers = [_scorer(d, evals, i, spec, repo_root, config) for i, spec in enumerate(evals.scorers)]
    _check_thresholds(d, evals, scorers)
    dataset, cases = _cases(d, evals, repo_root)
    if d.var_defaults:  # after the ids are set: a default is no part of a case's identity
        cases = [c.model_copy(update={"vars": {**d.var_defaults, **c.vars}}) for c in cases]
    cases = [_row_files(case, (dataset or d.file).parent, d.file.parent, repo_root) for case in cases]
    row_scorers = [s for c in cases for s in c.scorers]
    check_tools(d.tools, d.tool_choice, [*scorers, *row_scorers], d.path, d.doc)
    dependencies = deps.collect(repo_root, d.file, d.path, dataset=dataset,
                                templates=[m.content for m, _ in d.messages],
                                scorers=flat_scorers([*scorers, *row_scorers]), provider=d.provider,
                                files=d.references, includes=d.includes)
    return PromptSpec(
        path=d.path, name=d.name, kind=d.kind, provider_name=d.provider_name, provider=d.provider,
        params=d.params, messages=[m for m, _ in d.messages], message_lines=[line for _, line in d.messages],
        tools=d.tools, tool_choice=d.tool_choice,
        cases=cases, scorers=scorers,
        min_pass_rate=evals.min_pass_rate, regression_tolerance=evals.regression_tolerance,
        regression_confidence=evals.regression_confidence, repeats=evals.repeats,
        score_thresholds=evals.score_thresholds, gates=evals.gates, dependencies=dependencies,
        threshold=evals.threshold,
    )


def _scorer(d: Draft, evals: Evals, index: int, spec: ScorerSpec, repo_root: Path,
            config: Config) -> ScorerSpec:
    line = d.doc.locate((*d.evals_loc, d.scorers_key, str(index)))
    for text in _strings([spec.value, spec.options]):
        check_template(text, repo_root, d.path, line)
    if isinstance(spec.provider, str):
        check_provider_name(spec.provider, config.providers, d.path, line)
    elif spec.provider is not None:
        check_provider(spec.provider, d.path, line)
    for one in flat_scorers([spec]):
        valuefiles.check(one.type, one.value, d.file.parent, repo_root, d.path, line)
    return spec.model_copy(update={"line": line})


def _row_files(case: Case, rows_dir: Path, prompt_dir: Path, repo_root: Path) -> Case:
    """A row's `file://` values are relative to the file the row stands in; its scorers run from the
    prompt's folder, so the references are rewritten relative to that (and checked)."""
    if not case.scorers:
        return case
    source, _, at = (case.source or "").rpartition(":")
    path, line = (source, int(at)) if at.isdigit() else (case.source, None)

    def moved(ref: str) -> str:
        return valuefiles.rebase(ref, rows_dir, prompt_dir, repo_root, path, line)

    scorers = case.scorers
    if rows_dir != prompt_dir:
        scorers = [s if (item := _rebased(s.model_dump(), moved)) == s.model_dump() else ScorerSpec(**item)
                   for s in scorers]
    for one in flat_scorers(scorers):
        valuefiles.check(one.type, one.value, prompt_dir, repo_root, path, line)
    return case.model_copy(update={"scorers": scorers})


def _rebased(item: dict[str, Any], moved: Any) -> dict[str, Any]:
    item = dict(item)
    value = item.get("value")
    if isinstance(value, list):
        item["value"] = [moved(v) if valuefiles.is_ref(v) else v for v in value]
    elif valuefiles.is_ref(value):
        item["value"] = moved(value)
    members = item.get("assert")
    if str(item.get("type", "")).removeprefix("not-") == "assert-set" and isinstance(members, list):
        item["assert"] = [_rebased(m, moved) if isinstance(m, dict) else m for m in members]
    return item


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _check_thresholds(d: Draft, evals: Evals, scorers: list[ScorerSpec]) -> None:
    """A threshold on a misspelled scorer would never apply, and the gate would be quietly weaker."""
    labels = sorted({s.label for s in scorers})
    for key in evals.score_thresholds:
        if key not in labels:
            close = difflib.get_close_matches(key, labels, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"scorers here: {', '.join(labels) or 'none'}"
            raise UserError(f"score_thresholds names `{show(key)}`, which is no scorer's name or type "
                            f"— {hint}", d.path, d.doc.locate((*d.evals_loc, "score_thresholds", key)))


def _cases(d: Draft, evals: Evals, repo_root: Path) -> tuple[Path | None, list[Case]]:
    if evals.dataset is not None and evals.cases is not None:
        raise UserError("give either `dataset` or `cases`, not both", d.path,
                        d.doc.locate((*d.evals_loc, "cases")))
    if evals.dataset is not None:
        return _dataset(d, evals.dataset, repo_root)
    if evals.cases is not None:
        rows = [(row, d.doc.locate((*d.evals_loc, d.cases_key, str(i)))) for i, row in enumerate(evals.cases)]
        cases = datasets.to_cases(rows, d.path, agentmark=d.agentmark_rows)
        if not cases:
            raise UserError(f"`{d.cases_key}` is empty — add at least one case ({ZERO_CASES})", d.path,
                            d.doc.locate((*d.evals_loc, d.cases_key)))
        return None, cases
    if d.sample is not None:
        rows = [({"vars": d.sample}, d.doc.locate(d.sample_loc))]
        return None, datasets.to_cases(rows, d.path)
    key = ".".join(d.evals_loc)
    raise UserError(f"no eval cases — add `{key}.dataset` or `{key}.cases` ({ZERO_CASES})", d.path)


def _dataset(d: Draft, rel: str, repo_root: Path) -> tuple[Path, list[Case]]:
    line = d.doc.locate((*d.evals_loc, "dataset"))
    base = d.data_dir or d.file.parent
    file = resolve_inside(repo_root, base, rel, source=d.path, line=line)
    if file.suffix.lower() not in datasets.SUFFIXES:
        raise UserError(f"dataset `{show(rel)}` has an unsupported format — use "
                        f"{', '.join(datasets.SUFFIXES)}", d.path, line)
    if not file.is_file():
        where = "this file" if d.data_dir is None else f"{repo_relative(repo_root, base)}/, as AgentMark reads them"
        raise UserError(f"dataset `{show(rel)}` not found — paths are relative to {where}", d.path, line)
    display = repo_relative(repo_root, file)
    stat = file.stat()
    cases = list(_read_cases(file, display, d.agentmark_rows, (stat.st_mtime_ns, stat.st_size)))
    if not cases:
        raise UserError(f"dataset `{show(rel)}` has no cases — add rows ({ZERO_CASES})", d.path, line)
    return file, cases


@functools.lru_cache(maxsize=512)
def _read_cases(file: Path, display: str, agentmark: bool, stamp: tuple[int, int]) -> tuple[Case, ...]:
    """Datasets are often shared by many prompts: parse each once per process (`stamp` = mtime, size)."""
    return tuple(datasets.to_cases(datasets.read_rows(file, display), display, agentmark=agentmark))
