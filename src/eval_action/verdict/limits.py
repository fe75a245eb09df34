"""The `gates:` of a prompt: latency, cost, tokens, pass rate, scorer means and failure rates. Pure.

Each failing gate is one line (it reads the same in the comment, the summary and JUnit). A gate that
can't be judged — no baseline for a `max_increase`, too few uncached answers for a latency — is a
note saying so, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from eval_action.model.results import Metrics, PromptResult
from eval_action.model.specs import Change, FailureRateGate, Gates, MetricGate, PassRateGate, ScoreGate


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Figure:
    label: str
    read: Callable[[Metrics], float | None]
    show: Callable[[float], str]
    unit: str  # of a `max_increase` given as an amount


def _ms(v: float) -> str:
    return f"{v:,.0f} ms"


def _usd(v: float) -> str:
    return f"${v:.4f}" if v >= 0.0001 else "<$0.0001"


_FIGURES = {
    "latency_p50": _Figure("latency p50", lambda m: m.latency_p50_ms, _ms, " ms"),
    "latency_p95": _Figure("latency p95", lambda m: m.latency_p95_ms, _ms, " ms"),
    "latency_p99": _Figure("latency p99", lambda m: m.latency_p99_ms, _ms, " ms"),
    "cost_per_case": _Figure("cost per case", lambda m: m.cost_per_case, _usd, " USD"),
    "tokens_per_case": _Figure("tokens per case", lambda m: m.tokens_per_case, lambda v: f"{v:,.0f}", " tokens"),
}


def check(result: PromptResult) -> Findings:
    gates: Gates = result.thresholds.gates
    found = Findings()
    for key, figure in _FIGURES.items():
        gate = getattr(gates, key)
        if gate is not None:
            _metric(result, key, figure, gate, found)
    if gates.pass_rate is not None:
        _pass_rate(result, gates.pass_rate, found)
    for label, score_gate in gates.scores.items():
        _score(result, label, score_gate, found)
    for name, rate_gate in gates.failure_rates.items():
        _failure_rate(result, name, rate_gate, found)
    return found


def _metric(result: PromptResult, key: str, figure: _Figure, gate: MetricGate, found: Findings) -> None:
    head = result.metrics
    if key.startswith("latency") and head.latency_samples < gate.min_samples:
        found.notes.append(f"{key} gate not judged: {head.latency_samples} uncached answer(s), it needs "
                           f"{gate.min_samples} ({head.cached} came from the cache) — run with --no-cache")
        return
    value = figure.read(head)
    if value is None:
        found.notes.append(f"{key} gate not judged: no case reported a {figure.label.split(' ')[0]} figure")
        return
    if gate.max_value is not None and value > gate.max_value:
        found.failures.append(f"{figure.label} {figure.show(value)} is above the maximum {figure.show(gate.max_value)}")
    if gate.max_increase is not None:
        base = figure.read(result.baseline_metrics) if result.baseline_metrics else None
        if base is None:
            found.notes.append(f"{key} `max_increase` not judged: the baseline has no such figure")
        elif _rose_too_much(base, value, gate.max_increase):
            found.failures.append(f"{figure.label} rose {_rise(base, value, gate.max_increase, figure)} "
                                  f"({figure.show(base)} → {figure.show(value)}), more than the allowed "
                                  f"{gate.max_increase.text(figure.unit)}")


def _rose_too_much(base: float, value: float, allowed: Change) -> bool:
    if allowed.percent:
        return value > base * (1 + allowed.amount / 100)
    return value - base > allowed.amount


def _rise(base: float, value: float, allowed: Change, figure: _Figure) -> str:
    if allowed.percent:
        return f"{100 * (value - base) / base:.0f}%" if base else "from zero"
    return figure.show(value - base)


def _pass_rate(result: PromptResult, gate: PassRateGate, found: Findings) -> None:
    if gate.max_decrease is None:
        return  # `min` is applied as the prompt's min_pass_rate
    head, base = result.pass_rate, result.baseline_pass_rate
    if head is None or base is None:
        found.notes.append("pass_rate `max_decrease` not judged: there is no baseline pass rate to compare with")
        return
    drop = base - head
    if drop <= gate.max_decrease:
        return
    line = (f"pass rate fell {drop:.1f} pts ({base:.1f}% → {head:.1f}%), more than the allowed "
            f"{gate.max_decrease:g} pts")
    if gate.confidence is not None:
        alpha = 1 - gate.confidence
        if result.p_value is None or result.p_value >= alpha:
            found.notes.append(f"{line}, but not significantly at {gate.confidence:.0%} confidence "
                               f"(the chance of a drop this large with no real change is "
                               f"{'unknown' if result.p_value is None else f'{result.p_value:.0%}'})")
            return
        line += f" (significant at {gate.confidence:.0%} confidence)"
    found.failures.append(line)


def _score(result: PromptResult, label: str, gate: ScoreGate, found: Findings) -> None:
    mean = result.scorer_means.get(label)
    if mean is None:
        found.failures.append(f"gates.scores names `{label}`, but no case produced that score")
        return
    if gate.min is not None and mean < gate.min:
        found.failures.append(f"mean `{label}` score {mean:.2f} is below the minimum {gate.min:g}")
    base = result.baseline_scorer_means.get(label)
    if gate.max_decrease is not None and base is not None and base - mean > gate.max_decrease:
        found.failures.append(f"mean `{label}` score fell {base - mean:.2f} ({base:.2f} → {mean:.2f}), more "
                              f"than the allowed {gate.max_decrease:g}")


def _failure_rate(result: PromptResult, name: str, gate: FailureRateGate, found: Findings) -> None:
    ran = [c for c in result.cases if not c.errored]
    judged = [c for c in ran if any(s in c.scores for s in gate.scorers)]
    if not judged:
        found.failures.append(f"{name} rate names {', '.join(f'`{s}`' for s in gate.scorers)}, but no case "
                              "produced that score")
        return
    failing = sum(1 for c in judged if any(s in c.scores and not c.scores[s].passed for s in gate.scorers))
    rate = failing / len(judged)
    if rate > gate.max_rate:
        found.failures.append(f"{name} rate {rate:.1%} ({failing}/{len(judged)} cases failed "
                              f"{' or '.join(gate.scorers)}) is above the maximum {gate.max_rate:.1%}")
