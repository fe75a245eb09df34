"""Dataset files and inline rows → `Case`s with stable ids.

A row is `{"id", "vars", "expected"}`; without `vars` its other keys are the vars. Without `id`
the id is a hash of the vars, so the base and head runs of the same row pair up.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eval_action.inputs.yamlio import load_json, load_yaml, read_text, show
from eval_action.model.errors import UserError
from eval_action.model.specs import Case

SUFFIXES = (".jsonl", ".csv", ".yaml", ".yml", ".json")
ROW_SETTINGS = ("messages", "assert", "timeout_s", "threshold")
RESERVED = ("id", "vars", "expected", *ROW_SETTINGS)  # anything else in a row without `vars` is a var
Row = tuple[Any, int | None]  # raw row and the file line it starts on
MAX_DEPTH = 64


def read_rows(file: Path, display: str) -> list[Row]:
    """Raw rows of a dataset file, by suffix (checked by the caller against SUFFIXES)."""
    rows = _rows(file, display)
    for row, line in rows:
        _check_depth(row, display, line)
    return rows


def _check_depth(value: Any, display: str, line: int | None) -> None:
    """Values nested deeper than MAX_DEPTH are refused: results.json (and every walk of the vars)
    would fail on them later, as a crash instead of a line naming the row."""
    level = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [v for item in level for v in (item.values() if isinstance(item, dict) else
                                               item if isinstance(item, list) else ())]
        if not level:
            return
    raise UserError(f"row nested more than {MAX_DEPTH} levels deep — flatten it", display, line)


def _rows(file: Path, display: str) -> list[Row]:
    text = read_text(file, display)
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl(text, display)
    if suffix == ".csv":
        return _csv(text, display)
    if suffix == ".json":
        return _list(load_json(text, display), display, None)
    doc = load_yaml(text, display)
    rows = _list(doc.data, display, 1)
    return [(row, doc.locate((str(i),))) for i, (row, _) in enumerate(rows)]


def _jsonl(text: str, display: str) -> list[Row]:
    rows: list[Row] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            rows.append((load_json(line, display, n - 1), n))
    return rows


def _list(data: Any, display: str, line: int | None) -> list[Row]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise UserError("a dataset must be a list of rows — write `- {vars: {...}, expected: ...}` items",
                        display, line)
    return [(row, None) for row in data]


def _csv(text: str, display: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        _check_header(header, display)
        rows: list[Row] = []
        start = reader.line_num + 1
        for record in reader:
            if any(field.strip() for field in record):
                rows.append((_csv_row(header, record, display, start), start))
            start = reader.line_num + 1
    except csv.Error as e:
        raise UserError(f"invalid CSV: {show(e, 80)} — check quoting", display, reader.line_num) from None
    return rows


def _check_header(header: list[str], display: str) -> None:
    if header and not all(header):
        raise UserError("the CSV header has an empty column name — name every column", display, 1)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise UserError(f"the CSV header repeats column `{show(duplicates[0])}` — name each column once",
                        display, 1)


def _csv_row(header: list[str], record: list[str], display: str, line: int) -> dict[str, str]:
    if len(record) != len(header):
        raise UserError(f"row has {len(record)} fields but the header has {len(header)} — "
                        "quote values that contain commas", display, line)
    row = dict(zip(header, record, strict=True))
    # A blank `id`/`expected`/`threshold` cell means "none", as a missing key would in JSONL.
    return {k: v for k, v in row.items() if v.strip() or k not in ("id", "expected", "threshold")}


def to_cases(rows: Iterable[Row], display: str, *, agentmark: bool = False) -> list[Case]:
    """Rows → cases; refuses rows of the wrong shape and duplicate ids, naming the row's line."""
    cases: list[Case] = []
    first_seen: dict[str, str] = {}
    for raw, line in rows:
        source = f"{display}:{line}" if line else display
        case = _to_case(raw, display, line, source, agentmark)
        if case.id in first_seen:
            raise UserError(f"case id `{show(case.id)}` repeats the row at {first_seen[case.id]} — rows "
                            "without `id` are identified by their vars; give each row a distinct `id`",
                            display, line)
        first_seen[case.id] = source
        cases.append(case)
    return cases


def _to_case(raw: Any, display: str, line: int | None, source: str, agentmark: bool) -> Case:
    if not isinstance(raw, dict):
        raise UserError('each row must be a mapping like {"vars": {...}, "expected": ...}', display, line)
    row = dict(raw)
    if agentmark:
        _rename(row, "input", "vars")
        _rename(row, "expected_output", "expected")
    explicit_id = row.pop("id", None)
    expected = row.pop("expected", None)
    extras = {key: row.pop(key) for key in ROW_SETTINGS if key in row}
    if "vars" in row:
        variables = row.pop("vars")
        if row:
            raise UserError(f"key `{show(next(iter(row)))}` is not allowed next to `vars` — move it into "
                            "`vars` or remove it", display, line)
    else:
        variables = row
    if not isinstance(variables, dict) or not all(isinstance(k, str) for k in variables):
        raise UserError("`vars` must be a mapping of names to values", display, line)
    return _case(id=_case_id(explicit_id, variables, display, line), vars=variables, expected=expected,
                 source=source, extras=extras, display=display, line=line)


def _case(*, extras: dict[str, Any], display: str, line: int | None, **fields: Any) -> Case:
    """`messages`, `assert` (the row's own scorers), `timeout_s` and `threshold`, checked with the row's line."""
    settings = {("scorers" if k == "assert" else k): v for k, v in extras.items()}
    try:
        return Case(**fields, **settings)
    except ValidationError as e:
        first = e.errors()[0]
        key = "assert" if first["loc"][0] == "scorers" else str(first["loc"][0])
        where = ".".join([key, *(str(p) for p in first["loc"][1:])])
        raise UserError(f"row `{where}`: {show(first['msg'], 120)} — see the reserved row keys "
                        f"({', '.join(RESERVED)}) in the README", display, line) from None


def _rename(row: dict[Any, Any], old: str, new: str) -> None:
    if old in row and new not in row:
        row[new] = row.pop(old)


def _case_id(explicit: Any, variables: dict[str, Any], display: str, line: int | None) -> str:
    if explicit is None:
        return hash_vars(variables)
    if isinstance(explicit, bool) or not isinstance(explicit, str | int) or str(explicit).strip() == "":
        raise UserError("`id` must be a non-empty string or number", display, line)
    return str(explicit)


def hash_vars(variables: dict[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the vars as canonical JSON."""
    text = json.dumps(_canonical(variables), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _canonical(value: Any) -> Any:
    # YAML allows non-string keys; JSON's sort_keys cannot compare mixed key types.
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
