"""The user's own Python function as a target: `module:function` or `path/file.py:function`."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import inspect
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval_action.execution.targets.agent_answer import agent_answer
from eval_action.execution.targets.base import TargetRequest
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError, last_line
from eval_action.model.specs import ProviderSpec

_lock = threading.Lock()
_active_root: Path | None = None


def load_function(reference: str, repo_root: Path, what: str = "function") -> Callable[..., Any]:
    """Import `reference` from the repository at `repo_root`; any failure is the user's to fix."""
    module_part, sep, name = reference.rpartition(":")
    if not sep or not module_part or not name:
        raise UserError(f"{what} {reference!r} must look like `module:function` or `path/file.py:function`")
    with _lock:
        _switch_root(repo_root.resolve())
        try:
            module = _import(module_part, repo_root.resolve())
        except UserError:
            raise
        except (Exception, SystemExit) as e:  # user code runs at import time
            raise UserError(f"cannot import {module_part!r} for {what} {reference!r}: {last_line(e)} — "
                            "check the path (relative to the repository root) and its imports") from None
    fn: Callable[..., Any] | None = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"{what} {reference!r}: {module_part!r} has no function {name!r}")
    return fn


def _switch_root(root: Path) -> None:
    """Head and base checkouts hold modules of the same names: forget the other root's modules."""
    global _active_root
    if _active_root == root:
        return
    if _active_root is not None:
        old = str(_active_root)
        for mod_name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if file and Path(file).resolve().is_relative_to(_active_root):
                del sys.modules[mod_name]
        if old in sys.path:
            sys.path.remove(old)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    _active_root = root


def _import(module_part: str, root: Path) -> Any:
    if not (module_part.endswith(".py") or "/" in module_part):
        return importlib.import_module(module_part)
    path = (root / module_part).resolve()
    if not path.is_relative_to(root):
        raise UserError(f"{module_part!r} is outside the repository — use a path inside it")
    if not path.is_file():
        raise UserError(f"{module_part!r} does not exist — paths are relative to the repository root")
    name = "_eval_action_user_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{module_part!r} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module



class PythonTarget:
    def __init__(self, spec: ProviderSpec, *, repo_root: Path, timeout_s: float) -> None:
        if not spec.function:
            raise UserError("a `python` provider needs `function: module:function`")
        self.spec = spec
        self._fn = load_function(spec.function, repo_root, "python target")
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        return None  # the user's code may change without the request changing

    async def complete(self, request: TargetRequest) -> Answer:
        messages = [m.as_dict() for m in request.messages]
        context = {"vars": request.vars, "params": {**self.spec.params, **request.params},
                   "case_id": request.case_id, "prompt": request.prompt,
                   "tools": [t.model_dump(exclude_none=True) for t in request.tools]}
        try:
            result = await asyncio.wait_for(self._call(messages, context), self._timeout_s)
        except TimeoutError:
            raise TargetError(f"{self.spec.function} timed out after {self._timeout_s:g}s") from None
        except Exception as e:
            raise TargetError(f"{self.spec.function} raised {last_line(e)}") from None
        return agent_answer(result, str(self.spec.function))

    async def _call(self, messages: list[dict[str, Any]], context: dict[str, Any]) -> Any:
        if inspect.iscoroutinefunction(self._fn):
            return await self._fn(messages, context)
        result = await asyncio.to_thread(self._fn, messages, context)
        return await result if inspect.isawaitable(result) else result
