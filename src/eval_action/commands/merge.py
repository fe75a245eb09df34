"""Merge shard results into one report, re-deriving every figure and re-applying the gates."""

from __future__ import annotations

import glob
from pathlib import Path

from eval_action.model.errors import UserError
from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.model.results_io import read_results
from eval_action.verdict import compare, gate
from eval_action.verdict.stats import run_stats


def expand(patterns: list[str]) -> list[Path]:
    """Files, folders (every results.json below) and globs, in a stable order."""
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            found += sorted(path.rglob("results.json"))
        elif path.is_file():
            found.append(path)
        else:
            found += sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    if not found:
        raise UserError(f"no results file matches {' '.join(patterns)} — pass results.json files, "
                        "folders holding them, or globs", "eval-action report")
    return list(dict.fromkeys(found))


def merge_files(paths: list[Path]) -> RunReport:
    reports = [(p, read_results(p)) for p in paths]
    first_path, first = reports[0]
    for path, r in reports[1:]:
        if (r.base, r.head) != (first.base, first.head):
            raise UserError(f"compares {r.base}..{r.head} but {first_path} compares {first.base}..{first.head} "
                            "— merge only shards of the same run", str(path))
    prompts = _merge_prompts(reports)
    return RunReport(status=gate.run_status(prompts), mode=first.mode, base=first.base, head=first.head,
                     totals=gate.totals(prompts), prompts=prompts,
                     notes=list(dict.fromkeys(n for _, r in reports for n in r.notes)),
                     stats=run_stats(prompts, max(r.stats.duration_s for _, r in reports),
                                     sorted({m for _, r in reports for m in r.stats.models})),
                     incomplete=any(r.incomplete for _, r in reports))


def _merge_prompts(reports: list[tuple[Path, RunReport]]) -> list[PromptResult]:
    by_path: dict[str, list[PromptResult]] = {}
    seen: dict[tuple[str, str], Path] = {}
    for path, r in reports:
        for p in r.prompts:
            for c in p.cases:
                if (p.path, c.id) in seen:
                    raise UserError(f"case {c.id} of {p.path} is also in {seen[(p.path, c.id)]} — each shard "
                                    "must hold different cases (same --shard given twice?)", str(path))
                seen[(p.path, c.id)] = path
            by_path.setdefault(p.path, []).append(p)
    return [_merge_one(parts) for parts in by_path.values()]


def _merge_one(parts: list[PromptResult]) -> PromptResult:
    first = parts[0]
    if first.status == "removed":
        return first
    cases = [c for p in parts for c in p.cases]
    has_baseline = any(p.baseline == "compared" for p in parts)
    base_cases: list[CaseResult] | None = [c.baseline for c in cases if c.baseline] if has_baseline else None
    run = compare.PromptRun(path=first.path, name=first.name, provider=first.provider,
                            thresholds=first.thresholds, head=[c.model_copy(update={"baseline": None,
                                                                                     "change": None})
                                                               for c in cases],
                            baseline=base_cases, baseline_state=first.baseline,
                            notes=list(dict.fromkeys(n for p in parts for n in p.notes)),
                            selected_because=first.selected_because)
    return gate.gate_prompt(compare.compare_prompt(run))

