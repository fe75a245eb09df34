"""GitHub Actions' file and stdout protocols: outputs, step summary, annotations, masks."""

from __future__ import annotations

import uuid
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts in one step's summary
_TRUNCATED = "\n\n> Summary truncated at GitHub's 1 MiB limit: the full report is `report.md`.\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, title: str, message: str) -> str:
    return f"::{level} file={escape_property(path)},title={escape_property(title)}::{escape_data(message)}"


def mask_lines(secret: str) -> list[str]:
    """`::add-mask::` masks one line, so a multi-line secret is masked line by line."""
    return [f"::add-mask::{escape_data(line)}" for line in secret.splitlines() if line.strip()]


def format_outputs(outputs: dict[str, str]) -> str:
    """`name=value` lines; a multi-line value uses a random delimiter it cannot contain."""
    lines: list[str] = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            lines += [f"{name}<<{delimiter}", value, delimiter]
        else:
            lines.append(f"{name}={value}")
    return "".join(line + "\n" for line in lines)


def append_outputs(path: Path, outputs: dict[str, str]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(format_outputs(outputs))


def append_summary(path: Path, markdown: str) -> None:
    """Append within the 1 MiB per-step budget, cutting on a character boundary with a note."""
    used = path.stat().st_size if path.exists() else 0
    data = markdown.encode("utf-8")
    room = SUMMARY_LIMIT - used
    if len(data) > room:
        keep = max(room - len(_TRUNCATED.encode("utf-8")), 0)
        markdown = data[:keep].decode("utf-8", "ignore") + _TRUNCATED if keep else ""
    with path.open("a", encoding="utf-8") as f:
        f.write(markdown)
