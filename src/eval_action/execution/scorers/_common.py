"""Small helpers every scorer shares: quoting untrusted text into reasons, reading options."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from eval_action.execution.scorers.base import ScoreContext, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

QUOTE_LIMIT = 80
_TEMPLATE_RE = re.compile(r"\{\{|\{%|\{#")


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A JSON-quoted, truncated copy: newlines and quotes stay visible and the reason stays one line."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return json.dumps(cut, ensure_ascii=False)


@functools.lru_cache(maxsize=512)
def user_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern from the user's files, compiled once. ScorerError (the one-line config error) for
    any pattern Python cannot compile: bad syntax, a repeat count past its limit (OverflowError), or
    nesting deeper than the parser's recursion (RecursionError)."""
    try:
        return re.compile(pattern, flags)
    except (re.error, OverflowError, RecursionError) as e:
        why = "it nests too deeply" if isinstance(e, RecursionError) else str(e)
        hint = " — write named groups as (?P<name>...) here" if "(?<" in pattern and "unknown extension" in why \
            else " — fix the pattern"
        shown = json.dumps(pattern if len(pattern) <= QUOTE_LIMIT else pattern[:QUOTE_LIMIT] + "…",
                           ensure_ascii=False)[1:-1]
        raise ScorerError(f"invalid regex /{shown}/: {why}{hint}") from None


def output_starts(output: str) -> str:
    return f"output starts {quote(output)}" if output else "output is empty"


def as_text(value: Any) -> str:
    """How a non-string expected value reads when compared with text (`42`, `true`, `["a"]`)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def verdict(passed: bool, ok: str, failed: str, score: float | None = None) -> Score:
    if score is None:
        score = 1.0 if passed else 0.0
    return Score(score=score, passed=passed, reason=ok if passed else failed)


def value_or_expected(spec: ScorerSpec, ctx: ScoreContext) -> Any:
    """Comparison scorers fall back to the case's `expected` when `value` is omitted."""
    if spec.value is not None:
        return spec.value
    if ctx.expected is not None:
        return ctx.expected
    raise ScorerError(f"{spec.type} has nothing to compare with — "
                      "set `value:` or give the case an `expected`")


def number(value: Any, what: str) -> float:
    """A numeric option; templated options arrive as strings, so "0.8" is accepted."""
    if isinstance(value, bool):
        raise ScorerError(f"{what} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScorerError(f"{what} must be a number, got {as_text(value)[:40]!r}") from None


def fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def is_templated(value: Any) -> bool:
    """Values holding Jinja are only known per case, so static checks skip them."""
    if isinstance(value, str):
        return bool(_TEMPLATE_RE.search(value))
    if isinstance(value, list):
        return any(is_templated(v) for v in value)
    if isinstance(value, dict):
        return any(is_templated(v) for v in value.values())
    return False


def threshold_problems(spec: ScorerSpec, low: float, high: float | None) -> list[str]:
    t = spec.threshold
    if t is None or (t >= low and (high is None or t <= high)):
        return []
    bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
    return [f"threshold {t:g} is out of range — use a number {bounds}"]
