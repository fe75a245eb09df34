"""results.json (SPEC §4): the run as data, readable back as a baseline or for `eval-action report`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from eval_action.model.errors import UserError
from eval_action.model.files import atomic_write
from eval_action.model.results import RunReport

_HOW = "pass a results.json written by `eval-action run`"


def write_results(report: RunReport, path: Path) -> None:
    # pydantic's own serialiser: the stdlib encoder with `indent` is pure Python, ~10x slower
    atomic_write(path, report.model_dump_json(indent=2).encode() + b"\n")


def read_results(path: Path) -> RunReport:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read results file ({_reason(exc)}) — {_HOW}", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg}) — {_HOW}", str(path), exc.lineno) from None
    if isinstance(data, dict) and data.get("version") != 1:
        found = data.get("version")
        raise UserError(f"results version {found!r} is not supported (expected 1) — {_HOW}", str(path))
    try:
        return RunReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        message = f"not an eval-action results file: {where}: {first['msg']} — {_HOW}"
        raise UserError(message, str(path)) from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not UTF-8 text"
