"""Deterministic text checks with promptfoo's names and semantics."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import (
    as_text,
    fmt,
    is_templated,
    output_starts,
    quote,
    value_or_expected,
    verdict,
)
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError, ScorerFn
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_MAX_DISTANCE = 5


async def equals(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    expected = value_or_expected(spec, ctx)
    if isinstance(expected, dict | list):
        return _equals_json(expected, ctx.output)
    want = as_text(expected)
    hint = " (differs only in surrounding whitespace)" if ctx.output.strip() == want.strip() else ""
    return verdict(ctx.output == want, f"equals {quote(want)}",
                   f"expected {quote(want)}; got {quote(ctx.output)}{hint}")


def _equals_json(expected: Any, output: str) -> Score:
    try:
        actual = json.loads(output)
    except json.JSONDecodeError:
        want = quote(as_text(expected))
        return verdict(False, "", f"expected JSON equal to {want}; {output_starts(output)}")
    return verdict(actual == expected, "JSON equals the expected value",
                   f"expected JSON {quote(as_text(expected))}; got {quote(as_text(actual))}")


def _needles(value: Any) -> list[str]:
    """Lists as given; a string is comma-separated, as in promptfoo."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [as_text(value)]


def _quote_all(items: list[str]) -> str:
    shown = ", ".join(quote(i, 40) for i in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _contains(fold: bool) -> ScorerFn:
    async def contains(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needle = as_text(value_or_expected(spec, ctx))
        found = _fold(needle, fold) in _fold(ctx.output, fold)
        return verdict(found, f"contains {quote(needle)}",
                       f"expected to contain {quote(needle)}; {output_starts(ctx.output)}")

    return contains


def _contains_any(fold: bool) -> ScorerFn:
    async def contains_any(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needles = _needles(value_or_expected(spec, ctx))
        hay = _fold(ctx.output, fold)
        hit = next((n for n in needles if _fold(n, fold) in hay), None)
        return verdict(hit is not None, f"contains {quote(hit or '')}",
                       f"expected any of {_quote_all(needles)}; {output_starts(ctx.output)}")

    return contains_any


def _contains_all(fold: bool) -> ScorerFn:
    async def contains_all(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        needles = _needles(value_or_expected(spec, ctx))
        hay = _fold(ctx.output, fold)
        missing = [n for n in needles if _fold(n, fold) not in hay]
        found = len(needles) - len(missing)
        score = found / len(needles) if needles else 1.0
        return verdict(not missing, f"contains all {len(needles)}",
                       f"missing {_quote_all(missing)} ({found}/{len(needles)} found); "
                       f"{output_starts(ctx.output)}", score)

    return contains_all


def _fold(text: str, fold: bool) -> str:
    return text.casefold() if fold else text


async def starts_with(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    prefix = as_text(value_or_expected(spec, ctx))
    return verdict(ctx.output.startswith(prefix), f"starts with {quote(prefix)}",
                   f"expected to start with {quote(prefix)}; {output_starts(ctx.output)}")


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ScorerError(f"invalid regex /{pattern}/: {e} — fix the pattern") from None


async def regex(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    pattern = as_text(value_or_expected(spec, ctx))
    match = _compile(pattern).search(ctx.output)
    return verdict(match is not None, f"matches /{pattern}/ at {quote(match.group(0) if match else '')}",
                   f"no match for /{pattern}/; {output_starts(ctx.output)}")


async def levenshtein(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """promptfoo: threshold is the largest edit distance that passes (default 5)."""
    target = as_text(value_or_expected(spec, ctx))
    limit = DEFAULT_MAX_DISTANCE if spec.threshold is None else spec.threshold
    from rapidfuzz.distance import Levenshtein  # here: a compiled extension few runs need at start-up

    distance = Levenshtein.distance(ctx.output, target)
    # The score is a normalised similarity so a regression shows even while the distance still passes.
    similarity = 1 - distance / max(len(ctx.output), len(target), 1)
    return verdict(distance <= limit, f"edit distance {distance} ≤ {fmt(limit)} from {quote(target)}",
                   f"edit distance {distance} > {fmt(limit)} from {quote(target)}; got {quote(ctx.output)}",
                   similarity)


def _validate_regex(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if spec.value is None or is_templated(spec.value):
        return []
    try:
        _compile(as_text(spec.value))
    except ScorerError as e:
        return [str(e)]
    return []


def _validate_levenshtein(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if spec.threshold is not None and spec.threshold < 0:
        return [f"threshold {spec.threshold:g} is the largest edit distance that passes — use 0 or more"]
    return []


SCORERS: dict[str, ScorerDef] = {
    "equals": ScorerDef(equals),
    "contains": ScorerDef(_contains(fold=False)),
    "icontains": ScorerDef(_contains(fold=True)),
    "contains-any": ScorerDef(_contains_any(fold=False)),
    "icontains-any": ScorerDef(_contains_any(fold=True)),
    "contains-all": ScorerDef(_contains_all(fold=False)),
    "icontains-all": ScorerDef(_contains_all(fold=True)),
    "starts-with": ScorerDef(starts_with),
    "regex": ScorerDef(regex, _validate_regex),
    "levenshtein": ScorerDef(levenshtein, _validate_levenshtein),
}
