"""The one escaping of untrusted text for CI logs (`render.log.escape_log`)."""

from __future__ import annotations

import re

import pytest

from eval_action.render.log import PREFIX, escape_log, log_line

HOSTILE = [
    ("a\nb", "a\\nb"),
    ("a\rb", "a\\rb"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("\x9bC1 \x85NEL", "\\x9bC1 \\x85NEL"),
    ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
    ("tab\there", "tab\\there"),
    ("\x7fdel", "\\x7fdel"),
]


@pytest.mark.parametrize(("text", "shown"), HOSTILE)
def test_controls_are_shown_escaped(text: str, shown: str) -> None:
    assert escape_log(text) == shown


@pytest.mark.parametrize("text", ["x\n::warning title=INJECTED::forged", "::add-mask::x", "a :: b",
                                  "\x1b[0Ksection_end:1:eval\r\x1b[0KALL GREEN", "SECTION_START:1:x"])
def test_log_markers_never_survive(text: str) -> None:
    shown = escape_log(text)
    assert "::" not in shown
    assert not re.search(r"section_(start|end):", shown, re.IGNORECASE)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", shown)


def test_plain_text_is_unchanged_and_lines_are_prefixed() -> None:
    plain = "prompts/capitals.prompt.yaml: 8/8 passed — ok"
    assert escape_log(plain) == plain
    assert log_line("x\n::error::y").startswith(PREFIX) and "\n" not in log_line("x\n::error::y")
