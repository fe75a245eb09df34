"""The linters' tests never skip in CI: a missing tool fails there, and skips on a laptop."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import devtools


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-linter is not installed"):
        devtools.find("no-such-linter")


def test_a_missing_tool_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        devtools.find("no-such-linter")


def test_tools_beside_the_interpreter_are_found_without_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.venv/bin/python -m pytest` with a PATH that lacks .venv/bin still finds zizmor and hadolint."""
    monkeypatch.setenv("PATH", "/nonexistent")
    for name in ("zizmor", "hadolint"):
        assert Path(devtools.find(name)).parent == Path(sys.executable).parent
