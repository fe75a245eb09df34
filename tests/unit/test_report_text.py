from __future__ import annotations

from test_report_golden import SCENARIOS, hostile, huge, nothing, regressions

from eval_action.render.text import render_text


def test_regressions_text() -> None:
    text = render_text(regressions())
    lines = text.splitlines()
    assert lines[0] == "Eval FAIL: 20/24 cases passed (83.3%)"
    assert "  FAIL  prompts/capital.prompt.yaml  14/18 passed  ▼ 22.2 pts (unlikely to be chance: p=0.031)" in lines
    assert "        failed, regressed r0: icontains: 'Paris' not found in output" in lines
    assert "  REMOVED prompts/old.prompt.yaml  removed (was 95.0%)" in lines
    assert lines[-1].startswith("blocking mode · openai:gpt-4o-mini · latency p50 812 ms")


def test_nothing_and_long_lists() -> None:
    assert render_text(nothing()).startswith("Eval: nothing to evaluate")
    text = render_text(huge())
    assert "… 2 more cases in the report" in text


def test_untrusted_text_cannot_start_a_line_or_escape_the_terminal() -> None:
    report = hostile()
    case = report.prompts[0].cases[0].model_copy(update={"id": "x\n::error::forged\x1b[31m"})
    prompt = report.prompts[0].model_copy(update={"cases": [case]})
    text = render_text(report.model_copy(update={"prompts": [prompt]}))
    assert "\x1b" not in text
    assert all(not line.startswith("::") for line in text.splitlines())
    assert max(len(line) for line in text.splitlines()) < 600


def test_every_scenario_renders() -> None:
    for make in SCENARIOS.values():
        assert render_text(make()).endswith("\n")


def test_a_tiny_cost_is_not_shown_as_zero() -> None:
    from eval_action.render.fmt import usd

    assert (usd(0.00002), usd(0.0), usd(0.0123), usd(12.5)) == ("<$0.0001", "$0.0000", "$0.0123", "$12.50")


def test_large_runs_fold_unchanged_passing_prompts_into_one_line_on_the_terminal() -> None:
    lines = render_text(huge()).splitlines()
    assert "  PASS  133 prompts passed, unchanged (3,325 cases)" in lines
    assert not any(line.startswith("  PASS  prompts/") for line in lines)
    assert sum(line.startswith("  FAIL  prompts/") for line in lines) == 67
    assert lines.index("  PASS  133 prompts passed, unchanged (3,325 cases)") > max(
        i for i, line in enumerate(lines) if line.startswith("  FAIL  ")), "failures first"
