"""Scorers by name: render options, run each scorer, invert `not-` types, never let one crash a case."""

from __future__ import annotations

import asyncio
import difflib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eval_action.execution.scorers import (
    agentmark,
    classifier,
    custom,
    github,
    javascript,
    judge,
    logprobs,
    markup,
    moderation,
    operational,
    overlap,
    rag,
    refusal,
    similarity,
    sql,
    structured,
    text,
    tools,
    trajectory,
    workspace,
)
from eval_action.execution.scorers._common import fmt
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.execution.scorers.javascript import TRANSFORM
from eval_action.inputs import valuefiles
from eval_action.inputs.templating import case_context, render_value
from eval_action.inputs.yamlio import show
from eval_action.model.errors import UserError, last_line
from eval_action.model.results import Score
from eval_action.model.specs import Case, ScorerSpec

_REGISTRY: dict[str, ScorerDef] = {
    **text.SCORERS,
    **structured.SCORERS,
    **similarity.SCORERS,
    **judge.SCORERS,
    **operational.SCORERS,
    **custom.SCORERS,
    **javascript.SCORERS,
    **overlap.SCORERS,
    **markup.SCORERS,
    **refusal.SCORERS,
    **tools.SCORERS,
    **trajectory.SCORERS,
    **workspace.SCORERS,
    **github.SCORERS,
    **rag.SCORERS,
    **logprobs.SCORERS,
    **moderation.SCORERS,
    **agentmark.SCORERS,
    **sql.SCORERS,
    **classifier.SCORERS,
}
_NOT = "not-"
_CODE_KEYS = (TRANSFORM, rag.CONTEXT_TRANSFORM)
_REASON_LIMIT = 300
_SPACE_RE = re.compile(r"\s+")
_BARE_VAR_RE = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}")


def known_types() -> list[str]:
    return sorted(_REGISTRY)


def _split(type_: str) -> tuple[str, bool]:
    """("contains", True) for "not-contains"; a type that merely starts with "not-" stays as it is."""
    if type_.startswith(_NOT) and type_[len(_NOT):] in _REGISTRY:
        return type_[len(_NOT):], True
    return type_, False


def unique_labels(scorers: list[ScorerSpec]) -> list[str]:
    """Labels in order, repeats numbered: contains, contains#2."""
    seen: dict[str, int] = {}
    labels = []
    for spec in scorers:
        seen[spec.label] = seen.get(spec.label, 0) + 1
        labels.append(spec.label if seen[spec.label] == 1 else f"{spec.label}#{seen[spec.label]}")
    return labels


async def score_case(scorers: list[ScorerSpec], ctx: ScoreContext) -> dict[str, Score]:
    """Every scorer's Score keyed by label. Template errors (UserError) propagate; nothing else does."""
    variables = case_context(Case(id=ctx.case_id, vars=ctx.vars, expected=ctx.expected))
    variables["output"] = ctx.output
    rendered = [_render(spec, variables, ctx) for spec in scorers]
    scores = await asyncio.gather(*(_score_one(spec, ctx) for spec in rendered))
    return dict(zip(unique_labels(scorers), scores, strict=True))


def case_passes(scorers: list[ScorerSpec], scores: dict[str, Score], threshold: float | None) -> bool:
    """promptfoo's rule: every scorer of non-zero weight passes; with a `threshold`, the weighted mean
    score reaches it instead."""
    if threshold is None:
        return all(s.passed for spec, s in zip(scorers, scores.values(), strict=True) if spec.weight > 0)
    return weighted_mean(scorers, list(scores.values())) >= threshold


def weighted_mean(scorers: list[ScorerSpec], scores: list[Score]) -> float:
    """Scores weighted by `weight` (default 1; 0 leaves a score out), 0 when no weight is left."""
    total = sum(spec.weight for spec in scorers)
    return sum(spec.weight * s.score for spec, s in zip(scorers, scores, strict=True)) / total if total else 0.0


def _render(spec: ScorerSpec, variables: dict[str, Any], ctx: ScoreContext) -> ScorerSpec:
    where = f"{ctx.prompt}:{spec.line}" if spec.line else ctx.prompt
    return render_options(spec, variables, ctx.repo_root, where, ctx.prompt_dir)


def render_options(spec: ScorerSpec, variables: dict[str, Any], repo_root: Path, where: str,
                   prompt_dir: Path) -> ScorerSpec:
    """The scorer with its templated options rendered for one case, and its `file://` value read;
    UserError for a missing variable."""
    fields = spec.model_dump(exclude={"line"})
    for key in ["value", *spec.options]:
        if key == _SET_KEY and spec.type == _SET:
            continue  # each member renders itself: rendering twice would run model output as a template
        if key in _CODE_KEYS or (key == "value" and spec.type.removeprefix("not-") == "javascript"):
            continue  # code stays code: `{{ output }}` in it would let the model write the script
        if key == "value" and valuefiles.refs(fields[key]) and not valuefiles.names_code(spec.type):
            fields[key] = _read_files(fields[key], variables, repo_root, where, prompt_dir)
            continue
        fields[key] = _rendered(fields[key], variables, repo_root, where)
    return ScorerSpec(**fields, line=spec.line)


def _rendered(value: Any, variables: dict[str, Any], repo_root: Path, where: str) -> Any:
    native = _lookup(value, variables)
    return render_value(value, variables, repo_root, where) if native is None else native


def _read_files(value: Any, variables: dict[str, Any], repo_root: Path, where: str, prompt_dir: Path) -> Any:
    """promptfoo reads a `file://` value (or list item) as it is: a file's text is never a template."""
    if isinstance(value, list):
        return [_read_files(v, variables, repo_root, where, prompt_dir) for v in value]
    if valuefiles.is_ref(value):
        return valuefiles.load(value, prompt_dir, repo_root)
    return _rendered(value, variables, repo_root, where)


def grades_with_a_model(spec: ScorerSpec) -> bool:
    """The scorer calls a grader (or embedding) model for each answer it scores."""
    return grader_calls(spec) > 0


def provider_types(spec: ScorerSpec) -> tuple[frozenset[str], frozenset[str] | None] | None:
    """For a graded scorer: the provider types that may serve its `provider:` (or the grader it falls
    back to), and those the grader must be whatever `provider:` says (None: no such need)."""
    found = _REGISTRY.get(_split(spec.type)[0])
    return (found.serves, found.grader_serves) if found is not None and found.graded else None


def grader_calls(spec: ScorerSpec) -> int:
    """How many grader (embedding, moderation) calls the scorer makes per answer it scores."""
    found = _REGISTRY.get(_split(spec.type)[0])
    return found.grader_calls if found is not None and found.graded else 0


def _lookup(value: Any, variables: dict[str, Any]) -> Any:
    """`"{{ expected }}"` alone keeps the variable's own type, so a list stays a list and 42 a number."""
    match = _BARE_VAR_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    found: Any = variables
    for part in match.group(1).split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return None if isinstance(found, str) else found


async def _score_one(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    base, inverted = _split(spec.type)
    found = _REGISTRY.get(base)
    if found is None or (inverted and not found.invertible):
        if spec.type.removeprefix(_NOT) in _NOT_HERE:
            return _errored(_not_here(spec.type))
        return _errored(f"unknown scorer type {spec.type!r} — run `eval-action validate` for the fix")
    own_inverse = inverted and found.inverse is not None
    fn = found.inverse if own_inverse and found.inverse is not None else found.fn
    try:
        score = await fn(spec.model_copy(update={"type": base}), await _transformed(spec, ctx))
    except ScorerError as e:
        return _errored(str(e))
    except Exception as e:  # one broken scorer must not take the case, or the run, down with it
        return _errored(f"{base} failed: {last_line(e)}")
    if inverted and not own_inverse:
        score = _invert(score, spec.type)
    clamped = min(max(score.score, 0.0), 1.0)
    return score.model_copy(update={"reason": one_line(score.reason), "score": clamped})


async def _transformed(spec: ScorerSpec, ctx: ScoreContext) -> ScoreContext:
    """promptfoo's `transform:`: JavaScript over `output` and `context` whose result is what the
    scorer judges (a non-string result as JSON)."""
    code = spec.options.get(TRANSFORM)
    if code is None:
        return ctx
    script = javascript.script_value(code)
    value = await javascript.run_js({**script, "output": ctx.output, "context": javascript.js_context(ctx)},
                                    ctx.repo_root, javascript.DEFAULT_TIMEOUT_S)
    return replace(ctx, output=value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _invert(score: Score, type_: str) -> Score:
    if score.passed:
        return Score(score=1 - score.score, passed=False, reason=f"{type_} failed: {score.reason}")
    return Score(score=1 - score.score, passed=True, reason=f"{type_} holds")


def _errored(reason: str) -> Score:
    return Score(score=0.0, passed=False, reason=one_line(reason), errored=True)



def one_line(reason: str) -> str:
    flat = _SPACE_RE.sub(" ", reason).strip()
    return flat if len(flat) <= _REASON_LIMIT else flat[: _REASON_LIMIT - 1] + "…"


# ---------------------------------------------------------------- assert-set
_SET, _SET_KEY = "assert-set", "assert"


def _members(spec: ScorerSpec) -> list[ScorerSpec]:
    items = spec.options.get(_SET_KEY)
    if not isinstance(items, list) or not items:
        raise ScorerError("assert-set needs `assert:` — a list of scorers")
    try:
        return [ScorerSpec(**item) for item in items]
    except (TypeError, ValidationError) as e:
        first = e.errors()[0]["msg"] if isinstance(e, ValidationError) else "each item must be a mapping"
        raise ScorerError(f"assert-set: an item of `assert:` is not a scorer ({first}) — "
                          "write each as {type: ..., value: ...}") from None


async def _assert_set(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """promptfoo's assert-set: passes when all members pass, or when their weighted mean reaches its
    `threshold`; its score is that weighted mean."""
    members = _members(spec)
    scores = await score_case(members, ctx)
    broken = next(((label, s) for label, s in scores.items() if s.errored), None)
    if broken is not None:
        raise ScorerError(f"assert-set member {broken[0]} could not run: {broken[1].reason}")
    mean = weighted_mean(members, list(scores.values()))
    failed = [label for label, s in scores.items() if not s.passed]
    summary = f"mean {fmt(mean)} over {len(members)}" + (f"; failed: {', '.join(failed)}" if failed else "")
    return Score(score=mean, passed=case_passes(members, scores, spec.threshold), reason=summary)


def _validate_assert_set(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    try:
        members = _members(spec)
    except ScorerError as e:
        return [str(e)]
    return [f"assert-set member {member.label}: {problem}"
            for member in members for problem in validate_scorer(member, prompt_dir, repo_root)]


_REGISTRY[_SET] = ScorerDef(_assert_set, _validate_assert_set, invertible=False, options=frozenset({_SET_KEY}))


# ---------------------------------------------------------------- static checks
def validate_scorer(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    """Problems with one scorer, each "what — how to fix"; [] when it is fine. Calls no model."""
    base, inverted = _split(spec.type)
    found = _REGISTRY.get(base)
    if found is None:
        return [_not_here(spec.type) if spec.type.removeprefix(_NOT) in _NOT_HERE else _unknown(spec.type)]
    problems = []
    if inverted and not found.invertible:
        fix = "set its members' types instead" if base == _SET else "it is a budget; set its `threshold:` instead"
        problems.append(f"{spec.type} is not supported — {fix}")
    if spec.weight < 0:
        problems.append(f"weight {spec.weight:g} is negative — use 0 or more")
    problems += [_unknown_key(key, spec.type, found.options) for key in spec.options
                 if key not in found.options and key != TRANSFORM]
    if TRANSFORM in spec.options:
        problems += _transform_problems(spec.options[TRANSFORM])
    if found.validate is not None:
        value = spec.value
        if not valuefiles.names_code(base):
            try:
                value = valuefiles.load_refs(value, prompt_dir, repo_root)
            except UserError as e:
                return [*problems, e.message]
        problems += found.validate(spec.model_copy(update={"type": base, "value": value}), prompt_dir, repo_root)
    return problems


def _transform_problems(code: Any) -> list[str]:
    try:
        javascript.script_value(code)
    except ScorerError as e:
        return [str(e)]
    return javascript.validate_node()


_COMMON_KEYS = frozenset(ScorerSpec.model_fields) - {"line"} | {TRANSFORM}
# promptfoo keys a migrating user may bring, with what to write here instead.
_PROMPTFOO_KEYS = {
    "metric": "name the score with `name:`",
    "rubricPrompt": "write the whole grading instruction in `value:`",
    "contextTransform": "only context-faithfulness, context-recall and context-relevance read it",
}


# promptfoo types with no honest meaning here, with why and what to use instead.
_ONE_ANSWER = ("promptfoo compares the outputs of several prompts or providers for the same test, and an "
               "eval here runs one prompt with one provider, scoring each answer on its own")
_NOT_HERE = {
    "select-best": f"{_ONE_ANSWER} — judge each answer with llm-rubric or g-eval, and let the run compare "
                   "the PR's scores with the base's",
    "max-score": f"{_ONE_ANSWER} — each case's weighted score (`weight:`, `evals.threshold`) is compared "
                 "with the base revision's instead",
}


def _not_here(type_: str) -> str:
    base = type_.removeprefix(_NOT)
    return f"{type_} is not supported: {_NOT_HERE[base]}"


def _unknown_key(key: str, type_: str, options: frozenset[str]) -> str:
    """One line for a key no scorer reads: a typo silently dropped would change the verdict."""
    allowed = sorted(_COMMON_KEYS | options)
    message = f"unknown key `{show(key)}` for {type_}"
    if key in _PROMPTFOO_KEYS:
        return f"{message} — {_PROMPTFOO_KEYS[key]}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"{message} — did you mean `{close[0]}`?" if close else f"{message} — allowed keys: {', '.join(allowed)}"


def _unknown(type_: str) -> str:
    names = known_types() + [_NOT + t for t, d in _REGISTRY.items() if d.invertible]
    close = difflib.get_close_matches(type_, names, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known types: {', '.join(known_types())}"
    return f"unknown scorer type {type_!r} — {hint}"
