"""SIGTERM (a cancelled CI job) mid-run: what finished is written and posted, marked incomplete."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.forge import FakeForge
from fakes.llm import FakeLLM
from harness_ci import (GITHUB_TOKEN, OPENAI_KEY, PR, Repo, assert_accounted, cases_prompt, config,
                        github_env, leaked, make_repo, results, spawn)

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
    code, out, err = terminate_after(proc, slow_llm, 1.5)
    assert time.monotonic() - started < 6  # the in-flight calls are abandoned, not awaited
    assert code != 0, err
    assert "Traceback" not in err
    assert "interrupted" in err
    assert_partial(repo.root)
    body = (repo.root / "eval-results/report.md").read_text()
    assert "The run was interrupted" in body and "## ✅" not in body


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
