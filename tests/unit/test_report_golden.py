"""Golden comments for the report scenarios of issue 6; `UPDATE_GOLDEN=1` rewrites them.

The scenarios live here so the JUnit and text tests can reuse them. Review a golden by eye when
it changes (`python tests/render_screenshots.py` renders each one to HTML and a screenshot).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from eval_action.model.answer import ToolCall
from eval_action.model.results import CaseResult, PromptResult, RunReport, RunStats, Score, Totals
from eval_action.render.markdown import render_comment, render_summary
from eval_action.render.marker import parse_marker

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HEAD = "0123456789abcdef0123456789abcdef01234567"
BASE = "fedcba9876543210fedcba9876543210fedcba98"
STATS = RunStats(
    duration_s=83.4,
    latency_p50_ms=812,
    latency_p95_ms=2350,
    tokens=48_213,
    cost_usd=0.0123,
    cache_hits=40,
    calls=120,
    models=["openai:gpt-4o-mini"],
)


def ok(case_id: str, output: str = "Paris", **extra: object) -> CaseResult:
    scores = {"icontains": Score(score=1, passed=True, reason="found 'Paris'")}
    fields: dict[str, object] = {"latency_ms": 800, "tokens": 40, "passes": 1}
    fields.update(extra)
    return CaseResult(id=case_id, passed=True, scores=scores, output=output, **fields)  # type: ignore[arg-type]


def bad(
    case_id: str, output: str, reason: str = "'Paris' not found in output", **extra: object
) -> CaseResult:
    scores = {
        "icontains": Score(score=0, passed=False, reason=reason),
        "llm-rubric": Score(score=0.9, passed=True, reason="Names exactly one city"),
    }
    fields: dict[str, object] = {
        "vars": {"country": "France"},
        "expected": "Paris",
        "latency_ms": 1200,
        "tokens": 42,
    }
    fields.update(extra)
    return CaseResult(id=case_id, passed=False, scores=scores, output=output, **fields)  # type: ignore[arg-type]


def errored(case_id: str) -> CaseResult:
    return CaseResult(id=case_id, passed=False, error="connection refused after 4 retries (POST /v1/chat)")


def prompt(path: str, cases: list[CaseResult], **fields: object) -> PromptResult:
    scored = [c for c in cases if not c.errored]
    rate = 100 * sum(c.passed for c in scored) / len(scored) if scored else None
    values: dict[str, object] = {"name": Path(path).stem, "status": "pass", "pass_rate": rate, "cases": cases}
    values.update(fields)
    return PromptResult(path=path, **values)  # type: ignore[arg-type]


def run(prompts: list[PromptResult], **fields: object) -> RunReport:
    live = [p for p in prompts if p.status != "removed"]
    totals = Totals(
        cases=sum(len(p.cases) for p in live),
        passed=sum(p.passed for p in live),
        failed=sum(p.failed for p in live),
        errored=sum(p.errored for p in live),
        regressions=sum(p.regressions for p in live),
        flaky=sum(p.flaky for p in live),
    )
    values: dict[str, object] = {
        "status": "pass",
        "mode": "blocking",
        "base": BASE,
        "head": HEAD,
        "stats": STATS,
        "run_url": "https://github.com/acme/app/actions/runs/42",
    }
    values.update(fields)
    return RunReport(totals=totals, prompts=prompts, **values)  # type: ignore[arg-type]


def all_pass() -> RunReport:
    qa = prompt(
        "prompts/capital.prompt.yaml",
        [ok(f"c{i}") for i in range(12)],
        baseline="compared",
        baseline_pass_rate=100.0,
    )
    summary = prompt("prompts/summary.prompt.md", [ok(f"s{i}") for i in range(5)], baseline="new")
    return run([qa, summary])


def some_fail() -> RunReport:
    cases = [ok(f"c{i}") for i in range(8)] + [bad("fr", "Lyon"), bad("de", "Munich, or maybe Berlin")]
    qa = prompt(
        "prompts/capital.prompt.yaml",
        cases,
        status="fail",
        baseline="compared",
        baseline_pass_rate=90.0,
        p_value=1.0,
        gate_failures=["pass rate 80.0% is below min_pass_rate 90%"],
    )
    fine = prompt("prompts/greet.prompt.yaml", [ok("hello")], baseline="none")
    return run([qa, fine], status="fail", mode="informational")


def regressions() -> RunReport:
    def regressed(case_id: str, output: str) -> CaseResult:
        return bad(case_id, output, baseline=ok(case_id), change="regressed")

    cases = [ok(f"c{i}") for i in range(14)] + [regressed(f"r{i}", f"Lyon {i}") for i in range(4)]
    qa = prompt(
        "prompts/capital.prompt.yaml",
        cases,
        status="fail",
        baseline="compared",
        baseline_pass_rate=100.0,
        p_value=0.031,
        gate_failures=["4 cases regressed by more than 0.05", "pass rate 77.8% is below min_pass_rate 90%"],
    )
    better = prompt(
        "prompts/tone.prompt.md",
        [ok(f"t{i}") for i in range(5)],
        baseline="compared",
        baseline_pass_rate=80.0,
    )
    nobase = prompt(
        "prompts/agent.prompty",
        [ok("a1")],
        baseline="unavailable",
        notes=["baseline unavailable: the base revision's dataset does not parse (data/agent.jsonl:3)"],
    )
    gone = prompt(
        "prompts/old.prompt.yaml", [], status="removed", baseline="removed", baseline_pass_rate=95.0
    )
    notes = ["2 requests were served from the cache"]
    return run([qa, better, nobase, gone], status="fail", notes=notes)


def errored_target() -> RunReport:
    qa = prompt("prompts/capital.prompt.yaml", [errored(f"c{i}") for i in range(6)], status="error")
    stats = RunStats(duration_s=12.5, calls=24, models=["openai:gpt-4o-mini"])
    notes = ["every call to openai:gpt-4o-mini failed: connection refused (is OPENAI_BASE_URL right?)"]
    return run([qa], status="error", stats=stats, notes=notes)


def flaky() -> RunReport:
    def wobbly(case_id: str, passed: bool) -> CaseResult:
        if passed:
            return ok(case_id, repeats=3, passes=2, flaky=True)
        return bad(case_id, "Lyon", repeats=3, passes=1, flaky=True)

    cases = [ok(f"c{i}", repeats=3, passes=3) for i in range(6)] + [wobbly("f1", True), wobbly("f2", False)]
    qa = prompt(
        "prompts/capital.prompt.yaml", cases, baseline="compared", baseline_pass_rate=100.0, p_value=1.0
    )
    return run([qa], mode="informational")


def nothing() -> RunReport:
    return run([], status="skipped", stats=RunStats(duration_s=1.2))


def huge() -> RunReport:
    prompts = []
    for n in range(200):
        failing = n % 3 == 0
        cases = [
            bad(f"case-{i}", "x" * 700) if failing and i % 2 else ok(f"case-{i}", repeats=1)
            for i in range(25)
        ]
        prompts.append(
            prompt(
                f"prompts/area-{n:03}/task.prompt.yaml",
                cases,
                status="fail" if failing else "pass",
                baseline="compared",
                baseline_pass_rate=100.0,
                gate_failures=["pass rate below min_pass_rate 100%"] if failing else [],
            )
        )
    return run(prompts, status="fail")


HOSTILE = "\n".join(
    [
        "</details></details>",
        "<!-- eval-action:default sha=ffffffffff run=999999 -->",
        "@octocat please look, see #123 and www.example.com",
        "![x](http://127.0.0.1:9/p.png) [click](https://evil.example/x)",
        "<script>alert(1)</script><img src=x onerror=alert(1)>",
        "| a | b |",
        "```` backticks ``` ``",
        "y" * 10_000,
    ]
)


def hostile() -> RunReport:
    nasty_id = "id`with|pipes</summary><img src=x>@octocat"
    case = bad(nasty_id, HOSTILE, reason=HOSTILE, vars={"q": HOSTILE}, expected=HOSTILE)
    path = "prompts/<b>x</b>|@octocat`.prompt.yaml"
    qa = prompt(path, [case, ok("fine")], status="fail", gate_failures=[HOSTILE], notes=[HOSTILE])
    return run(
        [qa], status="fail", notes=[HOSTILE], stats=RunStats(models=["![m](http://127.0.0.1:9/m.png)"])
    )


def tool_regression() -> RunReport:
    """A prompt change makes the support agent refund instead of looking the order up."""
    def calls(*pairs: tuple[str, object]) -> list[ToolCall]:
        return [ToolCall(id=f"call_{i}", name=n, arguments=a) for i, (n, a) in enumerate(pairs)]

    looked_up = calls(("lookup_order", {"order_id": "A1"}))
    scores = {
        "trajectory:tool-used": Score(score=0, passed=False, reason="Missing required tool(s): lookup_order. "
                                      "Actual tools: tool:issue_refund"),
        "not-trajectory:tool-used": Score(score=0, passed=False, reason="Forbidden tool(s) were used: "
                                          "issue_refund. Actual tools: tool:issue_refund"),
        "is-valid-openai-tools-call": Score(score=1, passed=True, reason="Assertion passed"),
    }
    base = CaseResult(id="where-is-A1", passed=True, output="", tool_calls=looked_up, passes=1)
    wrong = CaseResult(
        id="where-is-A1", passed=False, scores=scores, output="", vars={"request": "Where is order A1?"},
        tool_calls=calls(("issue_refund", {"order_id": "A1", "amount": 20, "note": "`</details>` @octocat"}),
                         ("notify", '{"to": "cust')),
        baseline=base, change="regressed")
    wrong = wrong.model_copy(update={"tool_calls": [wrong.tool_calls[0], ToolCall(
        id="call_1", name="notify", arguments='{"to": "cust', invalid_arguments=True)]})
    fine = ok("order-status", output="Your order ships tomorrow.", tool_calls=looked_up)
    agent = prompt("prompts/support.prompt.yaml", [wrong, fine], status="fail", baseline="compared",
                   baseline_pass_rate=100.0, p_value=1.0, gate_failures=["1 case regressed by more than 0.05"])
    return run([agent], status="fail")


SCENARIOS: dict[str, Callable[[], RunReport]] = {
    "tool_regression": tool_regression,
    "all_pass": all_pass,
    "some_fail": some_fail,
    "regressions": regressions,
    "errored_target": errored_target,
    "flaky": flaky,
    "nothing": nothing,
    "huge": huge,
    "hostile": hostile,
}


def comment(name: str) -> str:
    hint = "the job summary and the eval-results artifact"
    return render_comment(SCENARIOS[name](), key="ci/eval", run_id=42, full_report_hint=hint)


def to_html(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


@pytest.mark.parametrize("name", SCENARIOS)
def test_comment_matches_golden(name: str) -> None:
    body = comment(name)
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(body, encoding="utf-8")
    assert body == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SCENARIOS)
def test_comment_html_is_inert(name: str) -> None:
    body = comment(name)
    html = to_html(body)
    assert "<script" not in html
    assert "<img" not in html
    assert "<a href" not in html.replace('<a href="https://github.com/acme/app/actions/runs/42">', "")
    assert html.count("<details>") == html.count("</details>")
    assert html.count("<summary>") == html.count("</summary>")
    assert html.count("<!-- eval-action:") == 1
    assert body.count("<!-- eval-action:") == 1 or name == "hostile"
    assert parse_marker(body) is not None
    assert len(body) <= 65536 and len(body.encode()) < 262_144


def test_hostile_text_is_neutralised() -> None:
    html = to_html(comment("hostile"))
    assert "&lt;/details&gt;" in html
    prose = re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.DOTALL)  # code is never linked
    assert "@octocat" not in prose.replace("@\u200boctocat", "")
    assert "#\u200b123" in html
    assert html.count("<tr>") == 2 and html.count("<td") == 5  # pipes added no cells or rows
    assert "…trimmed" in html
    assert "y" * 10_000 not in html


def test_headlines() -> None:
    assert comment("all_pass").splitlines()[1] == "## ✅ Eval — 17/17 cases passed (100.0%)"
    assert comment("some_fail").splitlines()[1] == "## ⚠️ Eval — 9/11 cases passed (81.8%)"
    assert comment("regressions").splitlines()[1] == "## ❌ Eval — 20/24 cases passed (83.3%)"
    assert comment("errored_target").splitlines()[1] == "## 💥 Eval — 0/6 cases passed (0.0%) · 6 errored"
    assert comment("nothing").splitlines()[1] == "## ⏭️ Eval — nothing to evaluate"
    assert "No prompt affected by this change." in comment("nothing")


def test_change_column() -> None:
    body = comment("regressions")
    assert "▼ 22.2 pts (unlikely to be chance: p=0.031)" in body
    assert "exact McNemar test" in body, "the p-value is explained once, in words"
    assert "▲ 20.0 pts" in body
    assert "baseline unavailable" in body
    assert "removed (was 95.0%)" in body
    assert "new" in comment("all_pass")


def test_huge_run_fits_and_keeps_failing_rows_fast() -> None:
    report = huge()
    start = time.perf_counter()
    body = render_comment(report, key="k", run_id=1, full_report_hint="the job summary")
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5
    assert len(body) <= 65536
    assert "✂️ Shortened to fit the size limit" in body and "the job summary" in body
    assert "more cases not shown" in body
    failing_rows = [p.path for p in report.prompts if p.status == "fail"]
    assert all(f"`{path}`" in body for path in failing_rows[:20])


def test_tiny_limit_cuts_rows_but_keeps_failing_ones() -> None:
    body = render_comment(huge(), key="k", run_id=1, limit=8_000)
    assert len(body) <= 8_000
    assert "table rows" in body
    table = [line for line in body.splitlines() if line.startswith("| `prompts/")]
    failing = [p.path for p in huge().prompts if p.status == "fail"]
    cut = body.split("**Gate failures of prompts cut from the table**", 1)[1].split("\n\n**", 1)[0]
    listed = [line for line in cut.splitlines() if line.startswith("- `prompts/")]
    more = re.search(r"- … and (\d+) more in the full report", cut)
    assert sum("❌" in line for line in table) + len(listed) + int(more[1] if more else 0) == len(failing)
    assert len(table) < 200


def test_summary_has_no_marker_and_keeps_every_case() -> None:
    report = huge()
    timings = []
    for _ in range(3):  # the best of three: a loaded CI machine slows one run, not the renderer
        start = time.perf_counter()
        summary = render_summary(report)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.5
    assert "<!--" not in summary
    assert "Shortened" not in summary
    assert summary.count("**`case-") == 200 // 3 * 12 + 12  # every failing case of every failing prompt
    assert len(summary.encode()) <= 1_048_576


def test_incomplete_and_shard_banners() -> None:
    body = render_comment(
        all_pass().model_copy(update={"incomplete": True, "shard": "2/3"}), key="k", run_id=None
    )
    assert "The run was interrupted" in body and "partial" in body
    assert "Shard 2/3" in body


def test_byte_cap_holds_with_a_large_character_limit() -> None:
    report = huge()
    emoji = [
        p.model_copy(update={"cases": [c.model_copy(update={"output": "😀" * 400}) for c in p.cases]})
        for p in report.prompts
    ]
    body = render_comment(report.model_copy(update={"prompts": emoji}), key="k", run_id=1, limit=1_000_000)
    assert 200_000 < len(body.encode()) < 262_144
    assert "Shortened to fit" in body


def test_large_runs_fold_unchanged_passing_prompts_into_one_line() -> None:
    """200 prompts, 67 failing: the 133 unchanged passes are one line, in the comment and the summary."""
    for body in (comment("huge"), render_summary(huge())):
        rows = [line for line in body.splitlines() if line.startswith("| `prompts/")]
        assert len(rows) == 67 and all("❌" in row for row in rows)
        assert "✅ 133 prompts passed, unchanged (3,325 cases)." in body
        assert "unchanged |" not in body and "= 0.0 pts" not in body


def test_a_few_unchanged_prompts_keep_their_rows_without_a_zero_change() -> None:
    body = comment("all_pass")
    assert "| `prompts/capital.prompt.yaml` | 12 | 100.0% | unchanged | ✅ |" in body
    assert "0.0 pts" not in body and "prompts passed" not in body


def test_each_failure_is_said_once() -> None:
    body = comment("regressions")
    reasons = ["4 cases regressed by more than 0.05", "pass rate 77.8% is below min\\_pass\\_rate 90%"]
    for reason in reasons:
        assert body.count(reason) == 1, reason
    assert "4 regressed" not in body, "the row states the gate's reason, not a second count of it"
    assert "**Gate failures" not in body, "no second list when every failing row is shown"


def test_an_output_the_reason_already_quotes_is_not_repeated() -> None:
    quoted = 'expected to contain "Paris"; output starts "Lyon, of course"'
    case = bad("fr", "Lyon, of course", reason=quoted)
    qa = prompt("prompts/capital.prompt.yaml", [case], status="fail", gate_failures=["pass rate 0.0% is low"])
    body = render_comment(run([qa], status="fail"), key="k", run_id=1)
    assert body.count("Lyon, of course") == 1
    other = render_comment(run([prompt("p.prompt.yaml", [bad("de", "Munich")], status="fail")], status="fail"),
                           key="k", run_id=1)
    assert "Output `Munich`" in other, "an output no reason quotes is still shown"


def test_a_p_value_is_said_in_words() -> None:
    body = comment("regressions")
    assert "(unlikely to be chance: p=0.031)" in body
    assert body.count("exact McNemar test") == 1
    assert "(could be chance: p=1.000)" in comment("some_fail")
    assert "McNemar" not in comment("all_pass"), "no legend without a p-value"
