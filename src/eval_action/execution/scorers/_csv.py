"""promptfoo's reading of a `-any`/`-all` string value: comma-separated, with quoted fields.

`"hello, world", universe` is two needles; inside quotes `\\"` and `""` stand for a quote.
"""

from __future__ import annotations

from eval_action.execution.scorers.base import ScorerError


def split_values(value: str) -> list[str]:
    fields: list[str] = []
    i = 0
    while i < len(value):
        i = _skip_separators(value, i)
        if i >= len(value):
            break
        if value[i] == '"':
            field, i = _quoted(value, i)
            i = _skip_space(value, i)
            if i < len(value) and value[i] != ",":
                raise ScorerError(f"expected a comma after the quoted field {field!r} — "
                                  'write "a, b", c or use a YAML list')
        else:
            end = value.find(",", i)
            end = len(value) if end < 0 else end
            field, i = value[i:end].strip(), end
        fields.append(field)
    return fields


def _skip_space(value: str, i: int) -> int:
    while i < len(value) and value[i].isspace():
        i += 1
    return i


def _skip_separators(value: str, i: int) -> int:
    while True:
        i = _skip_space(value, i)
        if i >= len(value) or value[i] != ",":
            return i
        i += 1


def _quoted(value: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and value[i + 1 : i + 2] in ('"', "\\"):
            out.append(value[i + 1])
            i += 2
        elif ch == '"' and value[i + 1 : i + 2] == '"':
            out.append('"')
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ScorerError(f"unterminated quoted field in {value[:60]!r} — close the quote")
