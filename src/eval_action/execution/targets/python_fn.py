"""The user's own Python function as a target, called in a worker process of its checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval_action.execution.targets.agent_answer import agent_answer
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.usercode.pool import UserCode
from eval_action.execution.usercode.refs import function_ref
from eval_action.execution.usercode.worker import CallFailed
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError
from eval_action.model.specs import ProviderSpec

# A function that can't be imported, or an interpreter that can't start, fails every case alike:
# a configuration error to fix, not N errored cases.
_CONFIG_FAILURES = ("load", "start")


class PythonTarget:
    def __init__(self, spec: ProviderSpec, *, repo_root: Path, timeout_s: float, usercode: UserCode) -> None:
        if not spec.function:
            raise UserError("a `python` provider needs `function: module:function`")
        self.spec = spec
        self._function = spec.function
        self._ref = function_ref(spec.function, repo_root, repo_root, "python target")
        self._where = usercode.checkout(repo_root, spec.python)
        self._usercode = usercode
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        return None  # the user's code may change without the request changing

    async def complete(self, request: TargetRequest) -> Answer:
        messages = [m.as_dict() for m in request.messages]
        context = {"vars": request.vars, "params": {**self.spec.params, **request.params},
                   "case_id": request.case_id, "prompt": request.prompt,
                   "tools": [t.model_dump(exclude_none=True) for t in request.tools], "workdir": request.workdir}
        try:
            result = await self._usercode.call(self._where, self._ref, [messages, context],
                                               request.time_limit(self._timeout_s))
        except CallFailed as e:
            if e.kind in _CONFIG_FAILURES:
                raise UserError(f"python target {self._function}: {e.message} — check `function:` (relative "
                                "to the repository root), `python:` and the dependencies it imports") from None
            raise TargetError(f"{self._function} {e.message}") from None
        return agent_answer(result, self._function)
