"""Scorers over what an agent left in its workspace (`workdir:` on the provider): `command` runs a
program there, `file-exists` and `file-contains` look at files there.

`{type: command, value: ["python", "hello.py"], expect: {exit: 0, stdout: "Hello, world!\\n"}}`;
`stdout` may also be `{contains: …}` or `{regex: …}`. Paths are relative to the workspace.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import as_text, number, quote, user_regex, verdict
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.execution.usercode.process import run_in_group
from eval_action.inputs.paths import resolve_inside
from eval_action.model.errors import UserError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_TIMEOUT_S = 60.0
_STDOUT_FORMS = "a string, {contains: text} or {regex: pattern}"


def _workdir(ctx: ScoreContext, name: str) -> Path:
    if ctx.workdir is None:
        raise ScorerError(f"{name} needs a workspace — give the prompt's provider `workdir: fresh` "
                          "or `workdir: {copy: path/to/fixture}`")
    return ctx.workdir


def _inside(workdir: Path, rel: str) -> Path:
    try:
        return resolve_inside(workdir, workdir, rel, source="", line=None)
    except UserError as e:
        raise ScorerError(e.message) from None


# ---------------------------------------------------------------- command
async def command(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    workdir = _workdir(ctx, "the command scorer")
    if ctx.usercode is None:
        raise ScorerError("the command scorer runs only inside a run")
    argv = [as_text(a) for a in spec.value]
    program = argv[0] if "/" not in argv[0] else str(_inside(workdir, argv[0]))
    found = shutil.which(program, path=ctx.usercode.env.get("PATH")) if "/" not in program else program
    if found is None:
        raise ScorerError(f"command {argv[0]!r} is not on PATH — install it in the job, or fix `value:`")
    timeout = number(spec.options.get("timeout_s", DEFAULT_TIMEOUT_S), "timeout_s")
    try:
        done = await run_in_group([found, *argv[1:]], cwd=workdir, env=ctx.usercode.env, stdin=None,
                                  timeout_s=timeout)
    except TimeoutError:
        raise ScorerError(f"`{' '.join(argv)}` timed out after {timeout:g}s") from None
    return _expected(spec.options.get("expect") or {}, done.status, done.stdout.decode(errors="replace"))


def _expected(expect: dict[str, Any], status: int, stdout: str) -> Score:
    want_exit = expect.get("exit", 0)
    if status != want_exit:
        return verdict(False, "", f"exited with status {status}, expected {want_exit}; stdout {quote(stdout)}")
    wanted = expect.get("stdout")
    if wanted is None:
        return verdict(True, f"exited with status {status}", "")
    if isinstance(wanted, str):
        return verdict(stdout == wanted, "stdout matches", f"stdout {quote(stdout)} is not {quote(wanted)}")
    if "contains" in wanted:
        text = as_text(wanted["contains"])
        return verdict(text in stdout, f"stdout contains {quote(text)}", f"stdout {quote(stdout)} lacks {quote(text)}")
    pattern = as_text(wanted["regex"])
    return verdict(user_regex(pattern).search(stdout) is not None, f"stdout matches /{pattern}/",
                   f"stdout {quote(stdout)} does not match /{pattern}/")


def _validate_command(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = []
    if not (isinstance(spec.value, list) and spec.value and all(isinstance(a, str | int | float) for a in spec.value)):
        problems.append('command scorer needs `value:` as an argv list, e.g. ["python", "hello.py"]')
    expect = spec.options.get("expect", {})
    if not isinstance(expect, dict) or set(expect) - {"exit", "stdout"}:
        return [*problems, "`expect:` takes `exit` (a number) and `stdout` (" + _STDOUT_FORMS + ")"]
    if "exit" in expect and (not isinstance(expect["exit"], int) or isinstance(expect["exit"], bool)):
        problems.append(f"expect.exit {expect['exit']!r} must be a whole number")
    stdout = expect.get("stdout")
    if stdout is not None and not isinstance(stdout, str):
        if not (isinstance(stdout, dict) and len(stdout) == 1 and set(stdout) <= {"contains", "regex"}):
            problems.append(f"expect.stdout must be {_STDOUT_FORMS}")
        elif "regex" in stdout:
            try:
                user_regex(as_text(stdout["regex"]))
            except ScorerError as e:
                problems.append(f"expect.stdout.regex: {e}")
    return problems


# ---------------------------------------------------------------- files
def _paths(value: Any) -> list[str]:
    return [as_text(v) for v in value] if isinstance(value, list) else [as_text(value)]


async def file_exists(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    workdir = _workdir(ctx, "file-exists")
    missing = [p for p in _paths(spec.value) if not _inside(workdir, p).exists()]
    return verdict(not missing, "exists: " + ", ".join(_paths(spec.value)), "missing: " + ", ".join(missing))


async def file_contains(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    workdir = _workdir(ctx, "file-contains")
    rel = as_text(spec.options.get("path"))
    path = _inside(workdir, rel)
    if not path.is_file():
        return verdict(False, "", f"{rel} does not exist")
    text, wanted = path.read_text(errors="replace"), as_text(spec.value)
    return verdict(wanted in text, f"{rel} contains {quote(wanted)}", f"{rel} lacks {quote(wanted)}")


def _validate_exists(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if not spec.value or (isinstance(spec.value, list) and not all(isinstance(v, str) and v for v in spec.value)):
        return ["file-exists needs `value:` naming a path (or a list) relative to the workspace"]
    return []


def _validate_contains(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = [] if isinstance(spec.value, str) and spec.value else ["file-contains needs `value:` (the text)"]
    if not isinstance(spec.options.get("path"), str) or not spec.options["path"]:
        problems.append("file-contains needs `path:` (a file relative to the workspace)")
    return problems


SCORERS: dict[str, ScorerDef] = {
    "command": ScorerDef(command, _validate_command, options=frozenset({"expect", "timeout_s"})),
    "file-exists": ScorerDef(file_exists, _validate_exists),
    "file-contains": ScorerDef(file_contains, _validate_contains, options=frozenset({"path"})),
}
