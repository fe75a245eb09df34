"""Progress lines: a redrawn counter on a terminal, one line per finished prompt in CI logs."""

from __future__ import annotations

import io
from pathlib import Path

from eval_action.execution.progress import Progress
from eval_action.model.results import CaseResult
from eval_action.model.specs import Config, PromptJob, PromptSpec, ProviderSpec


def job(path: str) -> PromptJob:
    spec = PromptSpec(path=path, name=path, kind="yaml", provider=ProviderSpec(type="openai", model="m"),
                      messages=[], cases=[], scorers=[], dependencies=[])
    return PromptJob(spec=spec, repo_root=Path("."), config=Config())


def test_ci_logs_get_one_line_per_finished_prompt() -> None:
    out = io.StringIO()
    progress = Progress({"a.prompt.yaml": 2, "b.prompt.yaml": 1}, "head", interactive=False, out=out)
    progress.on_case(job("a.prompt.yaml"), CaseResult(id="1", passed=True))
    progress.on_case(job("b.prompt.yaml"), CaseResult(id="1", passed=False, error="timeout"))
    progress.on_case(job("a.prompt.yaml"), CaseResult(id="2", passed=False))
    progress.close()
    assert out.getvalue().splitlines() == ["eval-action: head: b.prompt.yaml: 0/1 passed",
                                           "eval-action: head: a.prompt.yaml: 1/2 passed"]


def test_a_terminal_gets_one_counter_line_that_is_cleared_at_the_end() -> None:
    out = io.StringIO()
    progress = Progress({"a.prompt.yaml": 2}, "head", interactive=True, out=out)
    progress.on_case(job("a.prompt.yaml"), CaseResult(id="1", passed=True))
    progress.on_case(job("a.prompt.yaml"), CaseResult(id="2", passed=True))
    progress.close()
    text = out.getvalue()
    assert "\n" not in text
    *_, last, blank, end = text.split("\r")
    assert last.strip() == "head: 2/2 cases, 2 passed"  # the final count is drawn however fast it came
    assert (blank.strip(), len(blank), end) == ("", len(last), "")
