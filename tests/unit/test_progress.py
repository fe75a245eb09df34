"""Progress lines: a redrawn counter on a terminal, one line per finished prompt in CI logs."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from eval_action.execution.progress import Progress
from eval_action.model.results import CaseResult
from eval_action.model.specs import Config, PromptJob, PromptSpec, ProviderSpec
from eval_action.render.log import PREFIX


def job(path: str) -> PromptJob:
    spec = PromptSpec(path=path, name=path, kind="yaml", provider=ProviderSpec(type="openai", model="m"),
                      messages=[], cases=[], scorers=[], dependencies=[])
    return PromptJob(spec=spec, repo_root=Path("."), config=Config())


def ok(case_id: str = "1") -> CaseResult:
    return CaseResult(id=case_id, passed=True)


def test_ci_logs_get_a_start_line_one_line_per_finished_prompt_and_an_end_line() -> None:
    out = io.StringIO()
    progress = Progress({"head": {"a.prompt.yaml": 2, "b.prompt.yaml": 1}}, interactive=False, out=out)
    progress.on_case("head", job("a.prompt.yaml"), ok())
    progress.on_case("head", job("b.prompt.yaml"), CaseResult(id="1", passed=False, error="timeout"))
    progress.on_case("head", job("a.prompt.yaml"), CaseResult(id="2", passed=False))
    progress.close()
    lines = [line.removeprefix(PREFIX) for line in out.getvalue().splitlines()]
    assert out.getvalue().splitlines()[0].startswith(PREFIX), "every log line is prefixed"
    assert lines[:3] == ["head: 3 cases of 2 prompts (this change)", "head: b.prompt.yaml: 0/1 passed",
                         "head: a.prompt.yaml: 1/2 passed"]
    assert re.fullmatch(r"head: 3/3 cases, 1 passed · done at \d+ s", lines[3])
    assert len(lines) == 4


def test_the_baseline_reports_progress_before_the_head() -> None:
    out = io.StringIO()
    progress = Progress({"base": {"a.prompt.yaml": 1}, "head": {"a.prompt.yaml": 1}}, interactive=False, out=out)
    progress.on_case("base", job("a.prompt.yaml"), ok())
    progress.on_case("head", job("a.prompt.yaml"), ok())
    progress.close()
    phases = [line.removeprefix(PREFIX).split(":")[0] for line in out.getvalue().splitlines()]
    assert phases == ["base"] * 3 + ["head"] * 3
    assert out.getvalue().startswith(PREFIX + "base: 1 case of 1 prompt (the base revision, to compare with)\n")


def test_ci_logs_get_a_line_every_tick_while_cases_run_and_none_per_case() -> None:
    out = io.StringIO()
    progress = Progress({"base": {"a.prompt.yaml": 300}}, interactive=False, out=out, tick_s=0.05)
    for i in range(100):
        progress.on_case("base", job("a.prompt.yaml"), ok(str(i)))
    time.sleep(0.28)  # a slow stretch: no case finishes, the log still moves
    progress.close()
    lines = [line.removeprefix(PREFIX) for line in out.getvalue().splitlines()]
    ticks = [line for line in lines[1:] if line.startswith("base: 100/300 cases, 100 passed · ")]
    assert len(ticks) >= 3 and len(lines) == 1 + len(ticks), lines
    after = len(lines)
    time.sleep(0.12)
    assert len(out.getvalue().splitlines()) == after, "the ticker stops with the run"


def test_a_terminal_gets_a_counter_line_then_one_lasting_line_per_phase() -> None:
    out = io.StringIO()
    progress = Progress({"base": {"a.prompt.yaml": 2}, "head": {"a.prompt.yaml": 2}}, interactive=True, out=out)
    for phase in ("base", "head"):
        progress.on_case(phase, job("a.prompt.yaml"), ok("1"))
        progress.on_case(phase, job("a.prompt.yaml"), ok("2"))
    progress.close()
    screen = _terminal(out.getvalue())
    assert [re.sub(r" · done at \d+ s$", "", line.removeprefix(PREFIX)) for line in screen] == [
        "base: 2/2 cases, 2 passed", "head: 2/2 cases, 2 passed", ""]
    assert "base: 1/2 cases, 1 passed" in out.getvalue(), "the count is drawn while the phase runs"


def test_an_interrupted_terminal_run_leaves_no_half_line() -> None:
    out = io.StringIO()
    progress = Progress({"head": {"a.prompt.yaml": 5}}, interactive=True, out=out)
    progress.on_case("head", job("a.prompt.yaml"), ok())
    progress.close()
    assert _terminal(out.getvalue()) == [""]


def _terminal(text: str) -> list[str]:
    """What a terminal shows: each line as its last carriage-return redraw left it."""
    return [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]


def test_ci_logs_hear_from_the_run_before_its_first_case_finishes() -> None:
    out = io.StringIO()
    progress = Progress({"base": {"a.prompt.yaml": 3}, "head": {"a.prompt.yaml": 3}}, interactive=False, out=out,
                        tick_s=0.05)
    progress.start()
    time.sleep(0.12)  # the first case is slow: nothing has finished yet
    progress.close()
    lines = [line.removeprefix(PREFIX) for line in out.getvalue().splitlines()]
    assert lines[:2] == ["base: 3 cases of 1 prompt (the base revision, to compare with)",
                         "head: 3 cases of 1 prompt (this change)"]
    assert any(line.startswith("base: 0/3 cases, 0 passed · ") for line in lines[2:])
