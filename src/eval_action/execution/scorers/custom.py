"""`python`: the user's own scorer, `file.py:function` or `module:function`, called `fn(output, context)`;
or inline code as promptfoo writes it (one expression, or a function body that returns).

It runs in the worker of its checkout (execution/usercode), under the interpreter the prompt's
provider names, never in our process.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import math
import re
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import as_text, fmt, is_templated, number, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.execution.usercode.refs import function_ref
from eval_action.execution.usercode.worker import CallFailed, FunctionRef
from eval_action.inputs import valuefiles
from eval_action.model.errors import UserError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_TIMEOUT_S = 30.0
_RETURNS = 'return a bool, a float in [0, 1], or {"pass": bool, "score": float, "reason": str}'
_WHAT = "python scorer"


_REF_RE = re.compile(r"[\w./:-]+")  # what a `file.py:function` or `module:function` attempt looks like
_DEFAULT_FUNCTION = "get_assert"  # promptfoo's, for `file://checks.py` without a function


def is_inline(value: str) -> bool:
    """Code, not a reference: it has spaces, operators or lines (`output == 'x'`, `len(output) > 3`)."""
    return not valuefiles.is_ref(value) and _REF_RE.fullmatch(value.strip()) is None


def _reference(value: str) -> str:
    """promptfoo's `file://checks.py[:fn]` as our `checks.py:fn`."""
    if not valuefiles.is_ref(value):
        return value
    path, fn = valuefiles.split(value)
    return f"{path}:{fn or _DEFAULT_FUNCTION}"


def _inline_source(code: str) -> str:
    body = textwrap.dedent(code.rstrip("\n"))
    if "\n" not in body.strip():
        body = f"return {body.strip()}"
    return "import json\nimport re\n\n\ndef main(output, context):\n" + textwrap.indent(body, "    ") + "\n"


def _check_inline(code: str) -> None:
    """A syntax check only (compiling runs nothing): the code itself runs in the worker."""
    try:
        compile(_inline_source(code), "<inline python>", "exec")
    except SyntaxError as e:
        raise UserError(f"inline python does not parse: {e.msg} (line {e.lineno}) — fix the code") from None


@functools.cache
def _inline_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="eval-action-inline-"))  # private (0700): nobody else can plant code
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def inline_function(code: str) -> FunctionRef:
    """promptfoo's inline python as `main(output, context)` in a file of its own the worker imports."""
    _check_inline(code)
    source = _inline_source(code)
    path = _inline_dir() / f"inline_{hashlib.sha256(source.encode()).hexdigest()[:16]}.py"
    if not path.exists():
        path.write_text(source, encoding="utf-8")
    return FunctionRef(name="main", file=path)


# ---------------------------------------------------------------- reading what it returned
def _unit(value: Any) -> float:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric or math.isnan(value) or not 0 <= value <= 1:
        raise ScorerError(f"python scorer returned score {as_text(value)[:40]}; {_RETURNS}")
    return float(value)


def interpret(result: Any, threshold: float | None) -> Score:
    """promptfoo's contract: bool, a score (passes above 0, or at `threshold`), or a GradingResult."""
    if isinstance(result, bool):
        return Score(score=float(result), passed=result, reason=f"returned {result}")
    if isinstance(result, int | float):
        return _graded(_unit(result), None, threshold, "")
    if isinstance(result, dict) and ("pass" in result or "score" in result):
        verdict = result.get("pass")
        if verdict is not None and not isinstance(verdict, bool):
            raise ScorerError(f'python scorer returned "pass": {as_text(verdict)[:40]}; {_RETURNS}')
        score = _unit(result["score"]) if "score" in result else float(bool(verdict))
        reason = result.get("reason")
        return _graded(score, verdict, threshold, reason if isinstance(reason, str) else "")
    shown = repr(result)[:40]
    raise ScorerError(f"python scorer returned {type(result).__name__} {shown}; {_RETURNS}")


def _graded(score: float, verdict: bool | None, threshold: float | None, reason: str) -> Score:
    passed = verdict if verdict is not None else (score >= threshold if threshold is not None else score > 0)
    why = reason or f"score {fmt(score)}"
    if threshold is not None and score < threshold:
        below = f"score {fmt(score)} < threshold {fmt(threshold)}"
        return Score(score=score, passed=False, reason=f"{below}; {why}")
    return Score(score=score, passed=passed, reason=why)


async def python(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    ref = as_text(spec.value)
    if ctx.usercode is None:
        raise ScorerError("python scorers run only inside a run")
    try:
        fn = inline_function(ref) if is_inline(ref) else function_ref(_reference(ref), ctx.prompt_dir,
                                                                       ctx.repo_root, _WHAT)
        where = ctx.usercode.checkout(ctx.repo_root, ctx.python)
    except UserError as e:
        raise ScorerError(e.message) from None
    timeout = number(spec.options.get("timeout_s", DEFAULT_TIMEOUT_S), "timeout_s")
    context = {"vars": ctx.vars, "expected": ctx.expected, "case_id": ctx.case_id, "prompt": ctx.prompt,
               "tool_calls": [c.model_dump() for c in ctx.tool_calls],
               "trace": [s.model_dump() for s in ctx.trace], "metadata": ctx.metadata,
               "workdir": str(ctx.workdir) if ctx.workdir is not None else None}
    try:
        result = await ctx.usercode.call(where, fn, [ctx.output, context], timeout)
    except CallFailed as e:
        if e.kind in ("load", "start"):
            raise ScorerError(f"python scorer {ref} can't run: {e.message}") from None
        hint = " — make it faster or raise `timeout_s`" if e.kind == "timeout" else ""
        raise ScorerError(f"python scorer {ref} {e.message}{hint}") from None
    return interpret(result, spec.threshold)


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    """Static checks only: `validate` calls nothing, and importing the module would run the user's code."""
    problems = threshold_problems(spec, 0, 1)
    timeout = spec.options.get("timeout_s")
    positive = isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0
    if timeout is not None and not positive:
        problems.append(f"timeout_s {timeout!r} must be a positive number of seconds")
    if not isinstance(spec.value, str) or not spec.value:
        return [*problems, "python scorer needs `value:` naming `file.py:function` or `module:function`"]
    if is_templated(spec.value):
        return problems
    try:
        if is_inline(spec.value):
            _check_inline(spec.value)
        else:
            function_ref(_reference(spec.value), prompt_dir, repo_root, _WHAT)
    except UserError as e:
        problems.append(e.message)
    return problems


SCORERS: dict[str, ScorerDef] = {"python": ScorerDef(python, _validate, options=frozenset({"timeout_s"}))}
