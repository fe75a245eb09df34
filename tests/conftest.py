"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.llm import FakeLLM


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A loopback OpenAI/Anthropic-compatible server; OpenAI base_url is `fake_llm.url + "/v1"`."""
    with FakeLLM() as llm:
        yield llm
