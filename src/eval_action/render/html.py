"""report.html: one self-contained page to browse every case of a run (issue 13).

The run travels as a JSON island that the page's own script renders with `textContent` only, so
untrusted text never meets an HTML parser. Texts are clipped to a shared size budget so even a
5,000-case run stays a file a browser opens quickly; the page says where it clipped.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from eval_action.model.files import atomic_write
from eval_action.model.results import CaseResult, PromptResult, RunReport, Score
from eval_action.render import fmt

TEXT_CAPS = (4000, 2000, 1000, 500, 200, 100)  # tried in order until the data fits DATA_BUDGET
DATA_BUDGET = 4_900_000  # bytes of JSON; the page around it is ~30 KB, the file stays under 5 MB
REASON_CHARS = 1000
_PLACEHOLDER = re.compile(r"\{\{(css|js|data|title)\}\}")
# Inside JSON these only occur in strings, where \uXXXX means the same; a raw `<` could close the island.
_JSON_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_RUN_STATE = {
    fmt.PASS: ("pass", "✓", "Passed"),
    fmt.FAIL: ("fail", "✗", "Gate failed"),
    fmt.WARN: ("warn", "!", "Gate failed (informational mode: the job does not fail)"),
    fmt.ERROR: ("error", "⚠", "Errored: cases could not run, no quality verdict"),
    fmt.SKIP: ("skip", "–", "Nothing to evaluate"),
}


def write_html(report: RunReport, path: Path) -> None:
    atomic_write(path, render_html(report).encode("utf-8", errors="replace"))


def render_html(report: RunReport) -> str:
    data, caps = "", list(TEXT_CAPS)
    while caps:
        cap = caps.pop(0)
        data = embed_json(_payload(report, cap))
        size = len(data.encode("utf-8", errors="replace"))
        if size <= DATA_BUDGET:
            break
        # Cutting the cap from `cap` to c shrinks every text by at most c/cap, so the page stays over
        # size*c/cap: those caps can't fit, and building the whole page for each (six times over at
        # 10,000 long cases) was most of the run's teardown.
        caps = [c for c in caps if c <= cap * DATA_BUDGET / size] or caps[-1:]
    title = html.escape(_headline(report))
    parts = {"css": _asset("report.css"), "js": _asset("report.js"), "data": data, "title": title}
    # One pass, so nothing inserted is scanned for placeholders again.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _asset("report.html"))


def embed_json(value: Any) -> str:
    """JSON that is safe verbatim inside `<script type="application/json">`."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for char, escaped in _JSON_UNSAFE.items():  # one C-speed pass each: a regex callback per `<` was most of a big page
        text = text.replace(char, escaped)
    return text


def _asset(name: str) -> str:
    return files("eval_action.render").joinpath("html_assets", name).read_text(encoding="utf-8")


def _headline(report: RunReport) -> str:
    if fmt.nothing_to_evaluate(report):
        return "Eval — nothing to evaluate"
    return f"Eval — {fmt.passed_line(report, ' · ')}"


def _payload(report: RunReport, cap: int) -> dict[str, Any]:
    key, symbol, word = _RUN_STATE[fmt.run_mark(report)]
    # The comment's order: failures first; quiet prompts are folded into one toggled row.
    prompts = sorted(report.prompts, key=fmt.severity)
    quiet = {id(p) for p in fmt.split_quiet(prompts)[1]}
    folded = [p for p in prompts if id(p) in quiet]
    with_p = any(p.p_value is not None and fmt.change(p) != "unchanged" for p in prompts)
    return {
        "title": _headline(report),
        "state": {"key": key, "symbol": symbol, "label": word},
        "mode": report.mode,
        "totals": report.totals.model_dump(),
        "banners": _banners(report),
        "notes": report.notes,
        "footer": _footer(report),
        "run_url": report.run_url if report.run_url and re.match(r"https?://", report.run_url) else None,
        "cap": cap if cap < TEXT_CAPS[0] else None,
        "prompts": [_prompt(p, report, id(p) in quiet) for p in prompts],
        "quiet": fmt.quiet_line(folded) if folded else None,
        "legend": fmt.P_LEGEND if with_p else None,
        "cases": [_case(c, i, cap) for i, p in enumerate(prompts) for c in p.cases],
    }


def _banners(report: RunReport) -> list[str]:
    lines = []
    if not report.prompts:
        lines.append("No prompt affected by this change.")
    if report.incomplete:
        lines.append("The run was interrupted: these results are partial.")
    if report.shard:
        lines.append(f"Shard {report.shard}: this report holds one shard's prompts only.")
    return lines


def _footer(report: RunReport) -> list[str]:
    parts = fmt.stats_parts(report)
    if report.stats.models:
        parts.insert(1, ", ".join(report.stats.models))
    if report.base or report.head:
        parts.append(f"{_short(report.base)} → {_short(report.head)}")
    return parts


def _short(ref: str | None) -> str:
    if ref is None:
        return "?"
    return ref[:7] if re.fullmatch(r"[0-9a-f]{40,64}", ref) else ref


def _prompt(prompt: PromptResult, report: RunReport, quiet: bool) -> dict[str, Any]:
    mark = fmt.prompt_mark(prompt, report) if prompt.status != "removed" else fmt.SKIP
    key, symbol, _ = _RUN_STATE[mark]
    return _compact({
        "path": prompt.path,
        "name": prompt.name,
        "state": {"key": key, "symbol": symbol, "label": prompt.status},
        "cases": len(prompt.cases),
        "pass_rate": fmt.pct(prompt.pass_rate),
        "change": fmt.change(prompt),
        "words": fmt.status_words(prompt),
        "notes": prompt.notes,
        "quiet": quiet,
    })


def _case(case: CaseResult, prompt_index: int, cap: int) -> dict[str, Any]:
    values = [s.score for s in case.scores.values() if not s.errored]
    return _compact({
        "prompt": prompt_index,
        "id": case.id,
        "status": _status(case),
        "change": case.change,
        "flaky": case.flaky,
        "passes": case.passes,
        "repeats": case.repeats,
        "score": sum(values) / len(values) if values else None,
        "vars": _clip(_vars_text(case.vars), cap) if case.vars else None,
        "expected": _clip(_as_text(case.expected), cap) if case.expected is not None else None,
        "baseline": _baseline(case.baseline, cap) if case.baseline is not None else None,
        **_run_facts(case, cap),
    })


def _vars_text(values: dict[str, Any]) -> str:
    """`json.dumps(values, indent=2)`, built from C-encoded pieces when the values are flat: with
    `indent` the stdlib encoder runs in Python, and at 10,000 cases that was half of report.html."""
    if any(isinstance(v, (dict, list, tuple)) for v in values.values()) or not all(isinstance(k, str) for k in values):
        return json.dumps(values, indent=2, ensure_ascii=False, default=str)
    items = ",\n".join(f"  {_flat(k)}: {_flat(v)}" for k, v in values.items())
    return "{\n" + items + "\n}"


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return str(encode_basestring(value))
    return json.dumps(value, ensure_ascii=False, default=str)


def _baseline(case: CaseResult, cap: int) -> dict[str, Any]:
    return _compact({"status": _status(case), **_run_facts(case, cap)})


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty facts: per-case overhead is what limits how much text fits a big run."""
    return {key: value for key, value in fields.items() if value is not None and value is not False}


def _run_facts(case: CaseResult, cap: int) -> dict[str, Any]:
    """What one run of a case produced: shared by the head and the baseline views."""
    return {
        "output": _clip(case.output, cap) if case.output is not None else None,
        "calls": [fmt.call_text(c, cap) for c in case.tool_calls] or None,
        "steps": [fmt.step_text(s, cap) for s in case.trace] or None,
        "error": _clip(case.error, REASON_CHARS) if case.error is not None else None,
        "scores": [_score(name, s) for name, s in case.scores.items()],
        "latency_ms": case.latency_ms,
        "tokens": case.tokens,
        "cost_usd": case.cost_usd,
        "cached": case.cached,
    }


def _score(name: str, score: Score) -> dict[str, Any]:
    return _compact({"name": name, "score": score.score, "passed": score.passed,
                     "reason": _clip(score.reason, REASON_CHARS), "errored": score.errored})


def _status(case: CaseResult) -> str:
    if case.errored:
        return "errored"
    return "passed" if case.passed else "failed"


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _clip(text: str, cap: int) -> str | dict[str, Any]:
    """The text itself, or {"text", "of"} when cut, so the page can say how much it hides."""
    return text if len(text) <= cap else {"text": text[:cap], "of": len(text)}
