"""Make untrusted text (model output, dataset values, file names) inert in GitHub/GitLab Markdown.

Outside code, text is HTML-escaped and Markdown punctuation is backslash-escaped, so it cannot
open tags, close our `<details>`, forge the `<!--` marker, build links or images, or break a
table. Mentions, `#123` references and URL autolinks are broken with a zero-width space because
both platforms link them *after* Markdown parsing, where backslashes no longer exist.
Inside code spans and fenced blocks nothing is interpreted, so only the fence length matters.
"""

from __future__ import annotations

import re

# C0 controls (bar tab and newline), DEL, and bidi overrides that can make text read differently.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_MD_PUNCT = re.compile(r"([\\`*_\[\]!|~])")
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?i:(?<![A-Za-z0-9])(www)(\.))")
_REFERENCE = re.compile(r"(@|#(?=\w))")
_ZWSP = "&#8203;"
_BACKTICKS = re.compile("`+")


def clean(text: str) -> str:
    """Drop control characters; keep newlines and tabs."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def trim(text: str, max_chars: int, max_lines: int | None = None) -> tuple[str, bool]:
    """Cut `text` to `max_chars` (and `max_lines`); the flag says whether anything was cut."""
    cut = text[:max_chars]
    if max_lines is not None:
        cut = "\n".join(cut.split("\n")[:max_lines])
    return cut, len(cut) < len(text)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _defang_links(text: str) -> str:
    text = _AUTOLINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", text)
    return _REFERENCE.sub(lambda m: m.group(1) + _ZWSP, text)


def inline(text: str) -> str:
    """Untrusted text as one line of plain Markdown."""
    escaped = _MD_PUNCT.sub(r"\\\1", _html(one_line(text)))
    return _defang_links(escaped)


def html_text(text: str) -> str:
    """Untrusted text inside raw HTML (e.g. `<summary>`), where Markdown is not parsed."""
    escaped = _html(one_line(text)).replace("://", "&#58;//")
    return _REFERENCE.sub(lambda m: m.group(1) + _ZWSP, escaped)


def code_span(text: str, *, in_table: bool = False) -> str:
    """Untrusted text as inline code; in a table cell pipes must still be escaped (GFM)."""
    body = one_line(text)
    ticks = "`" * (max((len(run) for run in _BACKTICKS.findall(body)), default=0) + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "
    if in_table:
        body = body.replace("|", "\\|")
    return f"{ticks}{body}{ticks}" if body else "` `"


def fenced(text: str, info: str = "text") -> str:
    """Untrusted text as a fenced code block, with a fence longer than any backtick run inside."""
    body = clean(text).rstrip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"
