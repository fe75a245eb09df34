"""SIGTERM (a cancelled CI job) mid-run: what finished is written and posted, marked incomplete."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness_ci import (
    GITHUB_TOKEN,
    OPENAI_KEY,
    PR,
    Repo,
    assert_accounted,
    cases_prompt,
    config,
    github_env,
    leaked,
    make_repo,
    results,
    spawn,
)

from fakes.forge import FakeForge
from fakes.llm import FakeLLM

CASES = 12


@pytest.fixture
def slow_llm() -> Iterator[FakeLLM]:
    with FakeLLM(latency=1.0) as llm:
        yield llm


@pytest.fixture
def repo(tmp_path: Path, slow_llm: FakeLLM) -> Repo:
    return make_repo(tmp_path, {"eval-action.yaml": config(slow_llm.url, "{timeout_s: 10, retries: 0}"),
                                "p.prompt.yaml": cases_prompt(CASES)})


def terminate_after(proc: subprocess.Popen[str], llm: FakeLLM, seconds: float) -> tuple[int, str, str]:
    """SIGTERM `seconds` after the first model call (interpreter start-up time varies)."""
    deadline = time.monotonic() + 10
    while not llm.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(seconds)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def assert_partial(repo: Path) -> dict[str, object]:
    data = results(repo)
    assert data["incomplete"] is True and data["status"] == "error"
    finished = data["totals"]["cases"]
    assert 1 <= finished < CASES  # what finished within ~1.5 s at concurrency 2, and nothing invented
    assert_accounted(data, finished)
    return data


def test_sigterm_during_run_writes_the_finished_cases(repo: Repo, slow_llm: FakeLLM) -> None:
    proc = spawn({"OPENAI_API_KEY": OPENAI_KEY}, repo.root,
                 ["run", "--all", "--baseline", "none", "--no-cache", "--concurrency", "2"])
    started = time.monotonic()
    code, _, err = terminate_after(proc, slow_llm, 1.5)
    assert time.monotonic() - started < 6  # the in-flight calls are abandoned, not awaited
    assert code != 0, err
    assert "Traceback" not in err
    assert "interrupted" in err
    assert_partial(repo.root)
    body = (repo.root / "eval-results/report.md").read_text()
    assert "The run was interrupted" in body and "## ✅" not in body
    assert "could not be reached" not in body  # status is error, but no target failed


def test_sigterm_in_ci_still_posts_the_comment_marked_incomplete(tmp_path: Path, repo: Repo,
                                                                 slow_llm: FakeLLM) -> None:
    with FakeForge(token=GITHUB_TOKEN) as forge:
        env = github_env(tmp_path, repo, forge.url)
        proc = spawn(env, repo.root, ["ci", "--concurrency", "2", "--no-cache", "--baseline", "none"])
        code, out, err = terminate_after(proc, slow_llm, 1.5)
        comments = forge.comments.get(PR, [])
    assert code != 0, err  # a cancelled job never reads as success, even in informational mode
    assert "Traceback" not in err
    data = assert_partial(repo.root)
    [comment] = comments
    assert "The run was interrupted" in comment["body"] and "## ✅" not in comment["body"]
    summary = (tmp_path / "summary.md").read_text()
    assert "The run was interrupted" in summary
    assert "status=error" in (tmp_path / "out.txt").read_text()  # never "pass" for a cancelled run
    assert leaked(out, err, comment["body"], summary, json.dumps(data)) == []


BUSY_AGENT = '''
import asyncio
import time
from pathlib import Path

async def run(messages, context):
    end = time.monotonic() + 0.3
    while time.monotonic() < end:  # CPU-bound inside the event loop: SIGTERM lands in this frame
        pass
    await asyncio.sleep(0.1)
    with open(Path(__file__).parent / "done.log", "a") as log:
        log.write(context["case_id"] + "\\n")
    return "ok"
'''


def test_sigterm_inside_user_code_is_not_swallowed_as_a_case_error(tmp_path: Path) -> None:
    cfg = "providers:\n  default: {type: python, function: 'agent.py:run'}\ndefaults: {retries: 0}\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "agent.py": BUSY_AGENT,
                                "p.prompt.yaml": cases_prompt(CASES, "{type: contains, value: ok}")})
    proc = spawn({}, repo.root, ["run", "--all", "--baseline", "none", "--concurrency", "2"])
    done = repo.root / "done.log"
    deadline = time.monotonic() + 10
    while not (done.exists() and done.read_text().count("\n") >= 4) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 3, err
    assert "Traceback" not in err and "Task was destroyed" not in err
    data = assert_partial(repo.root)
    assert all(c["error"] is None for p in data["prompts"] for c in p["cases"])  # not "raised Interrupted"
