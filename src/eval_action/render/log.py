"""The run's log lines, and the one escaping of untrusted text for a CI log or terminal.

A file name, prompt name or model answer is the PR author's text. In a job log a newline in it
could start a GitHub workflow command (`::warning ...`), ESC and CR could draw over our lines or
forge a GitLab section (`ESC[0Ksection_end:...`) and C1 controls reach terminals as escapes. Every
line we print that carries such text goes through `escape_log`, and starts with `PREFIX`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TextIO

Log = Callable[[str], None]
PREFIX = "eval-action: "
# C0 (tab too: it can't be told from spaces), DEL, C1, and the Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ZWSP = "\u200b"
# GitHub reads `::command::` and GitLab `section_start:`/`section_end:` markers; a zero-width space
# inside keeps the text readable and stops both from matching wherever the line is cut.
_MARKERS = re.compile(r"::|section_(?=start:|end:)", re.IGNORECASE)


def escape_log(text: str) -> str:
    """`text` on one inert line: controls shown as `\\n`, `\\x1b`…, log markers broken."""
    shown = _CONTROL.sub(_escape_char, text)
    return _MARKERS.sub(lambda m: m.group()[0] + _ZWSP + m.group()[1:], shown)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    return named or (f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}")


def log_line(text: str) -> str:
    return PREFIX + escape_log(text)


def log_stderr(line: str, out: TextIO | None = None) -> None:
    print(log_line(line), file=out or sys.stderr, flush=True)
