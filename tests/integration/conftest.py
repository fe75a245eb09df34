"""Fixtures of the CI end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ci_runner import answer

from fakes.forge import FakeForge
from fakes.llm import FakeLLM


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    """The fake model of `ci_runner.answer`: right with the plain prompt, wrong when told to be creative."""
    with FakeLLM() as server:
        server.respond_with(answer)
        yield server


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    """The GitHub/GitLab fake `ci_runner` talks to; modules that need a particular token define their own."""
    with FakeForge() as f:
        yield f
