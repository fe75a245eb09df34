"""`python`: the user's own scorer, `file.py:function` or `module:function`, called `fn(output, context)`.

A sync function runs in a daemon thread so a hung one can be abandoned at its timeout without
blocking the event loop or the process exit; an async one is awaited with the same timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import hashlib
import importlib
import importlib.util
import inspect
import math
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from eval_action.execution.scorers._common import as_text, fmt, is_templated, number, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.inputs.paths import existing_file_inside
from eval_action.model.errors import UserError, last_line
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_TIMEOUT_S = 30.0
_RETURNS = 'return a bool, a float in [0, 1], or {"pass": bool, "score": float, "reason": str}'
_SYS_PATH_LOCK = threading.Lock()


# ---------------------------------------------------------------- finding the function
def resolve(ref: str, prompt_dir: Path, repo_root: Path) -> Callable[..., Any]:
    """The function `ref` names; UserError saying what to fix when it can't be found."""
    target, sep, name = ref.strip().rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise UserError(f"python scorer {ref!r} must name `file.py:function` or `module:function`")
    if target.endswith(".py"):
        path = existing_file_inside(repo_root, prompt_dir, target)
        module = _load_file(path, path.stat().st_mtime_ns)
    else:
        module = _import(target, repo_root)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"{target} has no function {name!r} — define `def {name}(output, context)` there")
    return fn  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=64)
def _load_file(path: Path, _mtime: int) -> ModuleType:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(f"eval_action_scorer_{path.stem}_{digest}", path)
    if spec is None or spec.loader is None:
        raise UserError(f"{path.name} cannot be loaded as a Python module — check the file name")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise UserError(f"importing {path.name} raised {last_line(e)} — fix the module") from None
    return module


def _import(name: str, repo_root: Path) -> ModuleType:
    root = str(repo_root.resolve())
    with _SYS_PATH_LOCK:
        if root not in sys.path:
            sys.path.insert(0, root)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise UserError(f"module {name!r} is not importable from the repository root ({e}) — "
                        "check the dotted name, or use `path/file.py:function`") from None
    except Exception as e:
        raise UserError(f"importing {name} raised {last_line(e)} — fix the module") from None



# ---------------------------------------------------------------- calling it
def _in_thread(fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # abandoned at its timeout
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (fn(*args), None)
        except Exception as e:
            outcome = (None, e)
        except BaseException as e:  # sys.exit() in a scorer must not stop the whole run
            outcome = (None, RuntimeError(f"{type(e).__name__}({e})"))
        with contextlib.suppress(RuntimeError):  # the loop closed while the function ran
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="eval-action-python-scorer", daemon=True).start()
    return future


async def _call(fn: Callable[..., Any], output: str, context: dict[str, Any], timeout: float) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await asyncio.wait_for(fn(output, context), timeout)
    result = await asyncio.wait_for(_in_thread(fn, output, context), timeout)
    if inspect.isawaitable(result):
        result = await asyncio.wait_for(result, timeout)
    return result


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
    try:
        fn = resolve(ref, ctx.prompt_dir, ctx.repo_root)
    except UserError as e:
        raise ScorerError(e.message) from None
    timeout = number(spec.options.get("timeout_s", DEFAULT_TIMEOUT_S), "timeout_s")
    context = {"vars": copy.deepcopy(ctx.vars), "expected": copy.deepcopy(ctx.expected),
               "case_id": ctx.case_id, "prompt": ctx.prompt,
               "tool_calls": [c.model_dump() for c in ctx.tool_calls],
               "trace": [s.model_dump() for s in ctx.trace], "metadata": copy.deepcopy(ctx.metadata),
               "workdir": str(ctx.workdir) if ctx.workdir is not None else None}
    try:
        result = await _call(fn, ctx.output, context, timeout)
    except TimeoutError:
        raise ScorerError(f"python scorer {ref} took longer than {fmt(timeout)}s — "
                          "make it faster or raise `timeout_s`") from None
    except Exception as e:
        raise ScorerError(f"python scorer {ref} raised {last_line(e)}") from None
    return interpret(result, spec.threshold)


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
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
        resolve(spec.value, prompt_dir, repo_root)
    except UserError as e:
        problems.append(e.message)
    return problems


SCORERS: dict[str, ScorerDef] = {"python": ScorerDef(python, _validate, options=frozenset({"timeout_s"}))}
