"""The `setup` input: the user's shell command (`pip install -r requirements.txt`) before the evals.

It runs in the job's environment minus the CI's tokens, its log folded; a failure is bad input
(exit 2) that quotes its last lines, since the evals can't run without what it installs.
"""

from __future__ import annotations

import collections
import subprocess
from collections.abc import Mapping

from eval_action.execution.redaction import take_ci_tokens
from eval_action.model.errors import UserError
from eval_action.platforms.base import Platform
from eval_action.render.log import log_stderr

_TAIL_LINES = 15


def run_setup(command: str, env: Mapping[str, str], platform: Platform, allowed: bool) -> None:
    if not allowed:
        raise UserError("refusing to run `setup` on pull_request_target: the checked-out code is the PR "
                        "author's — set `allow-untrusted-code: true` only if every PR author is trusted", "setup")
    tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
    user_env = dict(env)
    take_ci_tokens(user_env)
    with platform.group("eval-action: setup"):
        proc = subprocess.Popen(["sh", "-c", command], env=user_env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", start_new_session=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            log_stderr("setup: " + tail[-1])
        status = proc.wait()
    if status != 0:
        shown = " | ".join(tail) or "no output"
        raise UserError(f"the `setup` command exited with status {status}: {shown} — fix the command "
                        "or what it installs", "setup")
