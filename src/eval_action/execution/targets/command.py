"""Any program as a target: JSON request on stdin, the answer on stdout."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eval_action.execution.targets.agent_answer import KEYS, agent_answer
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.usercode.process import run_in_group
from eval_action.execution.usercode.refs import find_program
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError
from eval_action.model.specs import ProviderSpec

_STDERR_TAIL = 300


class CommandTarget:
    def __init__(self, spec: ProviderSpec, *, env: Mapping[str, str], repo_root: Path,
                 timeout_s: float) -> None:
        if not spec.command:
            raise UserError('a `command` provider needs `command: ["program", "arg", ...]`')
        self.spec = spec
        program = find_program(spec.command[0], env, repo_root, "command", "",
                               "install it in the job's image or fix `command:`")
        self.argv = [program, *spec.command[1:]]
        if spec.workdir is not None:  # it runs elsewhere: `agent.py` still means the repository's file
            self.argv[1:] = [_from_root(arg, repo_root) for arg in self.argv[1:]]
        self._env = dict(env)  # already without the CI's tokens; passed exactly
        self._cwd = repo_root
        self._timeout_s = timeout_s
        self._label = " ".join(spec.command)

    def cache_identity(self) -> dict[str, Any] | None:
        return None  # the program may change without the request changing

    async def complete(self, request: TargetRequest) -> Answer:
        stdin = json.dumps({"messages": [m.as_dict() for m in request.messages], "vars": request.vars,
                            "params": {**self.spec.params, **request.params}, "case_id": request.case_id,
                            "tools": [t.model_dump(exclude_none=True) for t in request.tools]})
        timeout = request.time_limit(self._timeout_s)
        try:
            done = await run_in_group(self.argv, cwd=Path(request.workdir) if request.workdir else self._cwd,
                                      env=self._env, stdin=stdin.encode(), timeout_s=timeout)
        except TimeoutError:
            raise TargetError(f"`{self._label}` timed out after {timeout:g}s") from None
        if done.status != 0:
            tail = done.stderr.decode(errors="replace").strip()[-_STDERR_TAIL:]
            raise TargetError(f"`{self._label}` exited with status {done.status}: {tail}".rstrip(": "))
        return _parse_stdout(done.stdout.decode(errors="replace"), self._label)


def _parse_stdout(text: str, label: str) -> Answer:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict) and any(k in data for k in KEYS):
            return agent_answer(data, f"`{label}`")
    return Answer(output=text.rstrip("\n"))


def _from_root(arg: str, repo_root: Path) -> str:
    relative = arg and not arg.startswith("-") and not Path(arg).is_absolute()
    return str((repo_root / arg).absolute()) if relative and (repo_root / arg).exists() else arg
