"""`trajectory:*` scorers: what an agent did, step by step, with promptfoo's names and semantics.

The steps are the answer's `trace` when it has one, else its `tool_calls` (one tool step each).
A trace step of type `tool_call` (or `tool`) is a tool step, as promptfoo's `tool` spans are.
Tool names match exactly or by `*`/`?` pattern. Options may sit in `value` (promptfoo's form:
`{name, min, max}`, `{mode, steps}`, `{name, args, mode}`, `{min, max, type}`) or beside it.
`not-trajectory:tool-used` with a list passes only when none of the tools was used.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import is_templated
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

_TOOL_TYPES = ("tool_call", "tool")


@dataclass(frozen=True)
class Step:
    type: str  # "tool" for tool calls, else the trace step's own type
    name: str
    args: Any = None

    @property
    def label(self) -> str:
        return f"{self.type}:{self.name}"


@dataclass(frozen=True)
class Matcher:
    pattern: str | None
    types: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.pattern or "*"

    def matches(self, step: Step) -> bool:
        if self.types and step.type not in self.types:
            return False
        # fnmatch, not the path globs: tool names have no directories, `*` spans any characters
        return self.pattern is None or fnmatch.fnmatchcase(step.name, self.pattern)


def steps(ctx: ScoreContext) -> list[Step]:
    if ctx.trace:
        return [Step("tool" if s.type in _TOOL_TYPES else s.type, s.name or s.type, s.input) for s in ctx.trace]
    return [Step("tool", c.name, c.arguments) for c in ctx.tool_calls]


def _matcher(value: Any, default_type: str | None, what: str) -> Matcher:
    if isinstance(value, str):
        return Matcher(value, (default_type,) if default_type else ())
    if isinstance(value, dict):
        pattern = value.get("pattern") or value.get("name")
        kinds = value.get("type", default_type)
        listed = [kinds] if isinstance(kinds, str) else kinds or []
        types = tuple("tool" if t in _TOOL_TYPES else str(t) for t in listed)
        if pattern is not None and not isinstance(pattern, str):
            raise ScorerError(f"{what}: `name`/`pattern` must be a string")
        return Matcher(pattern, types)
    raise ScorerError(f"{what} must be a tool name or a mapping with `name` or `pattern`")


def _option(spec: ScorerSpec, key: str) -> Any:
    inner = spec.value.get(key) if isinstance(spec.value, dict) else None
    return inner if inner is not None else spec.options.get(key)


def _count(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScorerError(f"`{key}` must be a whole number of at least 0")
    return value


def _listing(found: list[Step]) -> str:
    return ", ".join(s.label for s in found) or "(none)"


def _verdict(passed: bool, reason: str) -> Score:
    return Score(score=float(passed), passed=passed, reason=reason)


# ---------------------------------------------------------------- trajectory:tool-used
def _tool_used(spec: ScorerSpec, ctx: ScoreContext, inverse: bool) -> Score:
    tools = [s for s in steps(ctx) if s.type == "tool"]
    actual = _listing(tools)
    low, high = _count(_option(spec, "min"), "min"), _count(_option(spec, "max"), "max")
    if isinstance(spec.value, dict) or low is not None or high is not None:
        return _tool_count(spec, tools, low, high, inverse)
    names = spec.value if isinstance(spec.value, list) else [spec.value]
    matchers = [_matcher(n, "tool", "trajectory:tool-used value") for n in names]
    if not matchers or any(m.pattern is None for m in matchers):
        raise ScorerError("trajectory:tool-used needs `value:` — a tool name or a list of names")
    used = [m for m in matchers if any(m.matches(s) for s in tools)]
    if inverse:
        if used:
            return _verdict(False, f"Forbidden tool(s) were used: {', '.join(m.label for m in used)}. "
                                   f"Actual tools: {actual}")
        return _verdict(True, f"Forbidden tool(s) were not used: {', '.join(m.label for m in matchers)}")
    missing = [m for m in matchers if m not in used]
    if missing:
        return _verdict(False, f"Missing required tool(s): {', '.join(m.label for m in missing)}. "
                               f"Actual tools: {actual}")
    return _verdict(True, f"Observed required tool(s): {', '.join(m.label for m in matchers)}. Actual tools: {actual}")


def _tool_count(spec: ScorerSpec, tools: list[Step], low: int | None, high: int | None, inverse: bool) -> Score:
    matcher = _matcher(spec.value, "tool", "trajectory:tool-used value")
    if matcher.pattern is None:
        raise ScorerError("trajectory:tool-used with min/max needs a tool `name` or `pattern`")
    found = [s for s in tools if matcher.matches(s)]
    low = 1 if low is None else low
    held = len(found) >= low and (high is None or len(found) <= high)
    if inverse:
        return _verdict(not held, f'Tool "{matcher.label}" matched {len(found)} time(s), which violates the '
                                  "inverse assertion" if held else
                                  f'Tool "{matcher.label}" did not satisfy the forbidden match condition')
    bounds = f"expected at least {low}" if high is None else f"expected {low}-{high}"
    matches = f". Matches: {_listing(found)}" if found else ""
    return _verdict(held, f'Matched tool "{matcher.label}" {len(found)} time(s) ({bounds}){matches}')


# ---------------------------------------------------------------- trajectory:tool-sequence
def _sequence(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    tools = [s for s in steps(ctx) if s.type == "tool"]
    value = spec.value
    wanted = value.get("steps") if isinstance(value, dict) else value
    mode = _option(spec, "mode") or "in_order"
    if mode not in ("exact", "in_order"):
        raise ScorerError(f"trajectory:tool-sequence `mode` must be exact or in_order, not {mode!r}")
    if not isinstance(wanted, list) or not wanted:
        raise ScorerError("trajectory:tool-sequence needs `value:` — the tool names in order")
    matchers = [_matcher(w, "tool", f"trajectory:tool-sequence step {i + 1}") for i, w in enumerate(wanted)]
    for i, m in enumerate(matchers):
        if m.pattern is None:
            raise ScorerError(f"trajectory:tool-sequence step {i + 1} must include a name or pattern property")
    actual = _listing(tools)
    if mode == "exact":
        held = len(tools) == len(matchers) and all(m.matches(s) for m, s in zip(matchers, tools, strict=True))
        return _verdict(held, f"Observed exact tool sequence: {actual}" if held else
                        f"Expected exact tool sequence of {', '.join(m.label for m in matchers)}, "
                        f"but actual tools were {actual}")
    seen: list[Step] = []
    for step in tools:
        if len(seen) < len(matchers) and matchers[len(seen)].matches(step):
            seen.append(step)
    if len(seen) == len(matchers):
        return _verdict(True, f"Observed tool sequence in order: {_listing(seen)}. Actual tools: {actual}")
    return _verdict(False, f'Expected tool "{matchers[len(seen)].label}" was not observed in order. '
                           f"Actual tools: {actual}")


# ---------------------------------------------------------------- trajectory:tool-args-match
def _partial(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _partial(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(_partial(a, e) for a, e in zip(actual, expected, strict=True)))
    return _same(actual, expected)


def _same(actual: Any, expected: Any) -> bool:
    """Deep equality where 1 and 1.0 agree but True and 1 do not, as JSON means them."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, dict):
        return isinstance(actual, dict) and actual.keys() == expected.keys() and all(
            _same(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True))
    return bool(actual == expected)


def _without(args: Any, ignore: list[str], defaults: dict[str, Any]) -> Any:
    if not isinstance(args, dict):
        return args
    return {k: v for k, v in args.items() if not any(fnmatch.fnmatchcase(k, p) for p in ignore)
            and not (k in defaults and _same(v, defaults[k]))}


def _args_match(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    value = spec.value
    if not isinstance(value, dict):
        raise ScorerError("trajectory:tool-args-match needs `value: {name: tool, args: {...}}`")
    matcher = _matcher(value, "tool", "trajectory:tool-args-match value")
    expected = value.get("args", value.get("arguments"))
    if matcher.pattern is None or expected is None:
        raise ScorerError("trajectory:tool-args-match needs `value: {name: tool, args: {...}}`")
    mode = _option(spec, "mode") or "partial"
    if mode not in ("exact", "partial"):
        raise ScorerError(f'trajectory:tool-args-match `mode` must be "partial" or "exact", not {mode!r}')
    ignore = _option(spec, "ignore") or []
    ignore = [ignore] if isinstance(ignore, str) else [str(i) for i in ignore]
    defaults = _option(spec, "defaults") or {}
    tools = [s for s in steps(ctx) if s.type == "tool"]
    calls = [s for s in tools if matcher.matches(s)]
    wanted = _without(expected, ignore, {})
    same = _same if mode == "exact" else _partial
    hit = next((s for s in calls if same(_without(s.args, ignore, defaults), wanted)), None)
    label, shown = matcher.label, _json(expected)
    if hit is not None:
        return _verdict(True, f'Tool "{label}" matched expected arguments ({mode}) on {hit.label}. '
                              f"Args: {_json(hit.args)}")
    if not calls:
        return _verdict(False, f'No tool call matched "{label}". Actual tools: {_listing(tools)}')
    observed = ", ".join(_json(s.args) for s in calls)
    return _verdict(False, f'No call to tool "{label}" matched expected arguments ({mode}): {shown}. '
                           f"Observed args: {observed}")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# ---------------------------------------------------------------- trajectory:step-count
def _step_count(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    value = spec.value if isinstance(spec.value, dict) else {}
    matcher = _matcher(value, None, "trajectory:step-count value")
    low, high = _count(_option(spec, "min"), "min"), _count(_option(spec, "max"), "max")
    if low is None and high is None:
        raise ScorerError("trajectory:step-count needs `min` and/or `max`")
    found = [s for s in steps(ctx) if matcher.matches(s)]
    held = (low is None or len(found) >= low) and (high is None or len(found) <= high)
    filters = [f"type={'|'.join(matcher.types)}"] if matcher.types else []
    filters += [f"pattern={matcher.pattern}"] if matcher.pattern else []
    reason = f"Matched {len(found)} trajectory step(s)" + (f" for {', '.join(filters)}" if filters else "")
    if low is not None and high is not None:
        reason += f" (expected {low}-{high})"
    else:
        reason += f" (expected at least {low})" if low is not None else f" (expected at most {high})"
    return _verdict(held, reason + (f". Matches: {_listing(found)}" if found else ""))


# ---------------------------------------------------------------- registration
async def tool_used(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return _tool_used(spec, ctx, inverse=False)


async def tool_not_used(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return _tool_used(spec, ctx, inverse=True)


async def sequence(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return _sequence(spec, ctx)


async def args_match(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return _args_match(spec, ctx)


async def step_count(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return _step_count(spec, ctx)


def _needs_value(spec: ScorerSpec, _prompt_dir: Path, _repo_root: Path) -> list[str]:
    if spec.value is None and not is_templated(spec.value):
        return [f"{spec.type} needs `value:` (see docs/scorers.md)"]
    return []


def _needs_bounds(spec: ScorerSpec, _prompt_dir: Path, _repo_root: Path) -> list[str]:
    inner = spec.value if isinstance(spec.value, dict) else {}
    if all(inner.get(k) is None and spec.options.get(k) is None for k in ("min", "max")):
        return ["trajectory:step-count needs `min` and/or `max`"]
    return []


_COUNTS = frozenset({"min", "max"})
SCORERS: dict[str, ScorerDef] = {
    "trajectory:tool-used": ScorerDef(tool_used, _needs_value, options=_COUNTS, inverse=tool_not_used),
    "trajectory:tool-sequence": ScorerDef(sequence, _needs_value, options=frozenset({"mode"})),
    "trajectory:tool-args-match": ScorerDef(args_match, _needs_value,
                                            options=frozenset({"mode", "ignore", "defaults"})),
    "trajectory:step-count": ScorerDef(step_count, _needs_bounds, options=_COUNTS),
}
