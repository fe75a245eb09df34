"""Fault injection against the loopback fake LLM, through the real CLI.

Whatever the transport does, every case ends passed, failed or errored — none lost, none counted
twice — and an infrastructure failure is `errored`, never a quality failure.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness_ci import OPENAI_KEY, Outcome, assert_accounted, cases_prompt, config, make_repo, results, run_cli

from fakes.llm import FakeLLM

N = 4


def run_all(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str,
            defaults: str = "{timeout_s: 2, retries: 2, concurrency: 1}", n: int = N) -> tuple[Outcome, dict[str, Any]]:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(url, defaults), "p.prompt.yaml": cases_prompt(n)})
    out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root,
                  ["run", "--all", "--baseline", "none", "--no-cache"])
    data = results(repo.root)
    assert_accounted(data, n)
    assert "Traceback" not in out.stderr
    return out, data


def errors(data: dict[str, Any]) -> list[str]:
    return [c["error"] for p in data["prompts"] for c in p["cases"] if c["error"]]


@pytest.mark.parametrize("retry_after", [0, None], ids=["retry-after", "backoff"])
def test_a_short_429_storm_is_absorbed_by_retries(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  fake_llm: FakeLLM, retry_after: int | None) -> None:
    fake_llm.fail_next(2, status=429, retry_after=retry_after)
    out, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url)
    assert out.code == 0 and data["totals"]["passed"] == N
    assert len(fake_llm.requests) == N + 2


def test_a_429_storm_longer_than_the_retries_errors_one_case_only(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path, fake_llm: FakeLLM) -> None:
    # Its own 2 retries, then up to 4 more the other cases left unspent (the run's retry budget).
    fake_llm.fail_next(20, status=429, retry_after=0, match="question 0")
    out, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url)
    assert data["totals"]["errored"] == 1 and data["totals"]["passed"] == N - 1
    [error] = errors(data)
    assert re.fullmatch(r"HTTP 429 after [3-7] attempts: injected 429", error), error
    assert out.code == 3  # blocking: an infrastructure failure, not a quality failure


def test_a_storm_under_concurrency_loses_and_doubles_nothing(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(30, status=429, retry_after=0)
    _, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url,
                      defaults="{timeout_s: 2, retries: 3, concurrency: 6}", n=12)
    t = data["totals"]
    assert t["failed"] == 0 and t["passed"] >= 1  # retries wait without their slots: the storm spreads
    assert len(fake_llm.requests) == 30 + t["passed"]  # every 429 consumed, one success per passed case


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retried_then_errored(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path, fake_llm: FakeLLM, status: int) -> None:
    fake_llm.fail_next(1, status=status, match="question 0")
    fake_llm.fail_next(20, status=status, retry_after=0, match="question 0")
    _, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url)
    assert data["totals"]["errored"] == 1 and data["totals"]["passed"] == N - 1
    [error] = errors(data)
    assert re.fullmatch(rf"HTTP {status} after [3-7] attempts: injected {status}", error), error


def test_a_400_is_not_retried_and_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=400)
    _, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url)
    assert errors(data) == ["HTTP 400: injected 400"]
    assert len(fake_llm.requests) == N


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens here once the socket is closed


def test_connection_refused_errors_every_case_and_says_so(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    port = closed_port()
    out, data = run_all(monkeypatch, capsys, tmp_path, f"http://127.0.0.1:{port}",
                        defaults="{timeout_s: 2, retries: 1, concurrency: 4}")
    assert data["status"] == "error" and data["totals"]["errored"] == N
    assert set(errors(data)) == {f"connection failed: could not connect to http://127.0.0.1:{port}/v1/chat/completions "
                                 "after 2 attempts — the URL comes from the provider's `base_url` in eval-action.yaml"}
    assert out.code == 3
    assert "errored" in (tmp_path / "repo/eval-results/report.md").read_text()


@pytest.mark.parametrize("kind", ["close", "malformed", "hang"])
def test_one_bad_answer_is_retried_away(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.inject(kind)
    out, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url,
                        defaults="{timeout_s: 0.5, retries: 2, concurrency: 1}")
    assert out.code == 0 and data["totals"]["passed"] == N
    assert len(fake_llm.requests) == N + 1


@pytest.mark.parametrize(("kind", "error"), [
    ("close", "connection failed: closed mid-answer after"),  # reset mid-body, truncated
    ("malformed", "malformed response body"),
    ("hang", "timed out after 0.5s"),
])
def test_a_persistent_bad_answer_errors_that_case(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  fake_llm: FakeLLM, kind: str, error: str) -> None:
    fake_llm.inject(kind, 20, match="question 0")
    _, data = run_all(monkeypatch, capsys, tmp_path, fake_llm.url,
                      defaults="{timeout_s: 0.5, retries: 2, concurrency: 1}")
    [got] = errors(data)
    assert got.startswith(error) and re.search(r"after [3-7] attempts$", got), got
    assert data["totals"]["passed"] == N - 1


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never reads or answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_server_that_never_answers_times_out_every_case(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          silent_server: str) -> None:
    out, data = run_all(monkeypatch, capsys, tmp_path, silent_server,
                        defaults="{timeout_s: 0.3, retries: 1, concurrency: 4}")
    assert data["totals"]["errored"] == N
    assert set(errors(data)) == {"timed out after 0.3s after 2 attempts"}
    assert out.code == 3
