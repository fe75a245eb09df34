"""Head and baseline cases -> the RunReport: compare each prompt, gate it, total the run."""

from __future__ import annotations

import time

from eval_action.model.results import CaseResult, Collected, PromptResult, RunReport
from eval_action.model.settings import Settings
from eval_action.selection import baseline
from eval_action.selection.plan import Plan, PlannedPrompt
from eval_action.verdict import compare, gate
from eval_action.verdict.stats import run_stats


def assemble(plan: Plan, base_plan: baseline.BaselinePlan, settings: Settings, collected: Collected,
             started: float, incomplete: bool = False) -> RunReport:
    results = [_prompt_result(p, base_plan, collected) for p in plan.prompts]
    results += [compare.removed_prompt(path, ["prompt file deleted"]) for path in plan.removed]
    status = gate.run_status(results)
    if incomplete and status in ("pass", "skipped"):
        status = "error"  # cases that never ran can't vouch for a pass (outputs, results.json)
    return RunReport(status=status, mode=settings.mode, base=plan.base, head=plan.head,
                     totals=gate.totals(results), prompts=results, notes=[*plan.notes, *base_plan.run_notes],
                     stats=run_stats(results, time.monotonic() - started), incomplete=incomplete,
                     shard=str(settings.shard) if settings.shard else None)


def _prompt_result(p: PlannedPrompt, base_plan: baseline.BaselinePlan, collected: Collected) -> PromptResult:
    path = p.job.spec.path
    order = {c.id: i for i, c in enumerate(p.job.spec.cases)}
    head = sorted(collected.head.get(path, []), key=lambda c: order.get(c.id, len(order)))
    state = base_plan.states.get(path, "none")
    base_cases: list[CaseResult] | None = None
    if path in base_plan.from_file:
        base_cases = base_plan.from_file[path]
    elif path in base_plan.jobs:
        base_cases = collected.base.get(path, [])
    run = compare.PromptRun(path=path, name=p.job.spec.name, provider=p.job.spec.provider.label(),
                            thresholds=p.thresholds, head=head, baseline=base_cases, baseline_state=state,
                            notes=base_plan.notes.get(path, []), selected_because=p.reasons)
    return gate.gate_prompt(compare.compare_prompt(run))

