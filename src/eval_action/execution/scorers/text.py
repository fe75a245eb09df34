"""Deterministic text checks with promptfoo's names and semantics."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import (
    as_text,
    fmt,
    is_templated,
    output_starts,
    quote,
    user_regex,
    value_or_expected,
    verdict,
)
from eval_action.execution.scorers._csv import split_values
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError, ScorerFn, Validator
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_MAX_DISTANCE = 5


async def equals(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    expected = value_or_expected(spec, ctx)
    if isinstance(expected, dict | list):
        return equals_json(expected, ctx.output)
    want = as_text(expected)
    hint = " (differs only in surrounding whitespace)" if ctx.output.strip() == want.strip() else ""
    return verdict(ctx.output == want, f"equals {quote(want)}",
                   f"expected {quote(want)}; got {quote(ctx.output)}{hint}")


def equals_json(expected: Any, output: str) -> Score:
    try:
        actual = json.loads(output)
    except json.JSONDecodeError:
        want = quote(as_text(expected))
        return verdict(False, "", f"expected JSON equal to {want}; {output_starts(output)}")
    return verdict(actual == expected, "JSON equals the expected value",
                   f"expected JSON {quote(as_text(expected))}; got {quote(as_text(actual))}")


def _one_needle(type_: str, value: Any) -> str:
    """contains/icontains take one non-empty string or a number, as in promptfoo."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return as_text(int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list):
        raise ScorerError(f"{type_} takes one string, not a list — use {type_}-any "
                          f"(not-{type_}-any: none of them) or {type_}-all")
    raise ScorerError(f"{type_} needs a non-empty string or a number as `value:`")


def _needles(type_: str, value: Any) -> list[str]:
    """A list as given; a string is comma-separated with quoted fields, as in promptfoo."""
    if isinstance(value, list) and (value or type_.endswith("-all")):
        return [as_text(v) for v in value]
    if isinstance(value, str) and value:
        return split_values(value)
    raise ScorerError(f"{type_} needs `value:` — a list of strings, or a comma-separated string")


def _string(type_: str, value: Any) -> str:
    if isinstance(value, str) and value:
        return value
    raise ScorerError(f"{type_} needs a non-empty string as `value:`")


def _quote_all(items: list[str]) -> str:
    shown = ", ".join(quote(i, 40) for i in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _contains(fold: bool) -> ScorerFn:
    async def contains(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needle = _one_needle(spec.type, value_or_expected(spec, ctx))
        found = _fold(needle, fold) in _fold(ctx.output, fold)
        return verdict(found, f"contains {quote(needle)}",
                       f"expected to contain {quote(needle)}; {output_starts(ctx.output)}")

    return contains


def _contains_any(fold: bool) -> ScorerFn:
    async def contains_any(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needles = _needles(spec.type, value_or_expected(spec, ctx))
        hay = _fold(ctx.output, fold)
        hit = next((n for n in needles if _fold(n, fold) in hay), None)
        return verdict(hit is not None, f"contains {quote(hit or '')}",
                       f"expected any of {_quote_all(needles)}; {output_starts(ctx.output)}")

    return contains_any


def _contains_all(fold: bool) -> ScorerFn:
    async def contains_all(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needles = _needles(spec.type, value_or_expected(spec, ctx))
        hay = _fold(ctx.output, fold)
        missing = [n for n in needles if _fold(n, fold) not in hay]
        found = len(needles) - len(missing)
        return verdict(not missing, f"contains all {len(needles)}",
                       f"missing {_quote_all(missing)} ({found}/{len(needles)} found); "
                       f"{output_starts(ctx.output)}")

    return contains_all


def _fold(text: str, fold: bool) -> str:
    return text.casefold() if fold else text


async def starts_with(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    prefix = _string(spec.type, value_or_expected(spec, ctx))
    return verdict(ctx.output.startswith(prefix), f"starts with {quote(prefix)}",
                   f"expected to start with {quote(prefix)}; {output_starts(ctx.output)}")


async def regex(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    pattern = _string(spec.type, value_or_expected(spec, ctx))
    match = user_regex(pattern).search(ctx.output)
    return verdict(match is not None, f"matches /{pattern}/ at {quote(match.group(0) if match else '')}",
                   f"no match for /{pattern}/; {output_starts(ctx.output)}")


async def levenshtein(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """promptfoo: threshold is the largest edit distance that passes (default 5); the score is 1 or 0."""
    target = value_or_expected(spec, ctx)
    if not isinstance(target, str):
        raise ScorerError("levenshtein needs a string as `value:`")
    limit = DEFAULT_MAX_DISTANCE if spec.threshold is None else spec.threshold
    from rapidfuzz.distance import Levenshtein  # here: a compiled extension few runs need at start-up

    distance = Levenshtein.distance(ctx.output, target)
    return verdict(distance <= limit, f"edit distance {distance} ≤ {fmt(limit)} from {quote(target)}",
                   f"edit distance {distance} > {fmt(limit)} from {quote(target)}; got {quote(ctx.output)}")


def _word_bounds(type_: str, value: Any) -> tuple[float, float]:
    """(min, max) from `value: 50`, `"50"` or `{min: 20, max: 50}`, as promptfoo reads them."""
    if isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        bounds = [b for b in (low, high) if b is not None]
        if not bounds or set(value) - {"min", "max"} or not all(_is_number(b) for b in bounds):
            raise ScorerError("word-count takes a number or {min: N, max: N} as `value:`")
        if low is not None and high is not None and low > high:
            raise ScorerError(f"word-count min ({low}) is more than max ({high}) — swap them")
        return (float("-inf") if low is None else low), (float("inf") if high is None else high)
    exact = value if _is_number(value) else _numeric_string(value)
    if exact is None:
        raise ScorerError("word-count takes a number or {min: N, max: N} as `value:`")
    return exact, exact


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_string(value: Any) -> float | None:
    try:
        return float(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None


async def word_count(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    if spec.value is None:
        raise ScorerError("word-count needs `value:` — a number or {min: N, max: N}")
    low, high = _word_bounds(spec.type, spec.value)
    count = len(ctx.output.split())
    want = fmt(low) if low == high else f"between {fmt(low)} and {fmt(high)}".replace("-inf", "0")
    return verdict(low <= count <= high, f"{count} words", f"{count} words, expected {want}")


def value_check(check: Callable[[str, Any], object]) -> Validator:
    """A static check of a literal `value:` with the same rule the scorer applies at run time."""
    def validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
        if spec.value is None or is_templated(spec.value):
            return []
        try:
            check(spec.type, spec.value)
        except ScorerError as e:
            return [str(e)]
        return []

    return validate


# Syntax a promptfoo pattern (JavaScript RegExp) may use whose meaning differs under Python's `re`.
_JS_DIFFERENCES = [
    (re.compile(r"(?<!\\)\$(?:\)*)$"), "`$` also matches before a final newline here (JavaScript: only at the end); "
                                     "use `\\Z` for the very end"),
    (re.compile(r"\\[dwbDWB]"), "`\\d`, `\\w` and `\\b` match non-ASCII digits and letters here (JavaScript: ASCII "
                               "only); add `(?a)` for JavaScript's meaning"),
    (re.compile(r"\(\?P[<=]"), "`(?P<name>...)` is Python's named group; promptfoo (JavaScript) writes `(?<name>...)`"),
]


def regex_warnings(spec: ScorerSpec) -> list[str]:
    """Where a literal `regex` pattern means something else than in promptfoo; [] when it doesn't."""
    if spec.type.removeprefix("not-") != "regex" or not isinstance(spec.value, str) or is_templated(spec.value):
        return []
    return [f"pattern /{spec.value}/: {why}" for rx, why in _JS_DIFFERENCES if rx.search(spec.value)]


def _check_regex(type_: str, value: Any) -> None:
    user_regex(_string(type_, value))


def _check_levenshtein(type_: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ScorerError("levenshtein needs a string as `value:`")


def _validate_levenshtein(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = value_check(_check_levenshtein)(spec, prompt_dir, repo_root)
    if spec.threshold is not None and spec.threshold < 0:
        problems.append(f"threshold {spec.threshold:g} is the largest edit distance that passes — use 0 or more")
    return problems


SCORERS: dict[str, ScorerDef] = {
    "equals": ScorerDef(equals),
    "contains": ScorerDef(_contains(fold=False), value_check(_one_needle)),
    "icontains": ScorerDef(_contains(fold=True), value_check(_one_needle)),
    "contains-any": ScorerDef(_contains_any(fold=False), value_check(_needles)),
    "icontains-any": ScorerDef(_contains_any(fold=True), value_check(_needles)),
    "contains-all": ScorerDef(_contains_all(fold=False), value_check(_needles)),
    "icontains-all": ScorerDef(_contains_all(fold=True), value_check(_needles)),
    "starts-with": ScorerDef(starts_with, value_check(_string)),
    "regex": ScorerDef(regex, value_check(_check_regex)),
    "levenshtein": ScorerDef(levenshtein, _validate_levenshtein),
    "word-count": ScorerDef(word_count, value_check(_word_bounds)),
}
