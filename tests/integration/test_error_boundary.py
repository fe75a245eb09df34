"""The one error boundary (SPEC §8): bad input is one line and exit 2, our bug is exit 4."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import local_run, write_capitals_repo


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    write_capitals_repo(root)
    fake_llm.respond_with(lambda body: "Paris")
    local_run(root, monkeypatch, fake_llm.url, "sk-test-boundary-7f3a9c")
    return root


def test_an_unwritable_output_dir_is_one_line_exit_2_before_any_call(
        repo: Path, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--all", "--output-dir", "/dev/null/x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("eval-action: error: --output-dir: cannot write to `/dev/null/x`")
    assert fake_llm.requests == []  # nothing was spent on a run whose results could not be kept


def test_a_missing_working_directory_is_one_line_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "--working-directory", "does-not-exist"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "working-directory: `does-not-exist` is not a folder of this checkout" in err


def test_a_bug_of_ours_is_exit_4_with_a_redacted_traceback(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from eval_action.commands import validate

    def broken(*args: object) -> None:
        raise RuntimeError("boom with sk-test-boundary-7f3a9c inside")

    monkeypatch.setattr(validate, "validate_repo", broken)
    assert main(["validate"]) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "eval-action: internal error: RuntimeError: boom with [redacted] inside" in err
    assert "sk-test-boundary-7f3a9c" not in err
