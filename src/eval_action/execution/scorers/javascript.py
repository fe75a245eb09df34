"""`javascript`: promptfoo's JavaScript assertions, run by Node in a subprocess of its own.

The value is inline code (one expression, or a function body over `output` and `context`) or
`file://path.js[:function]`; it returns what a `python` scorer returns (bool, score or
{pass, score, reason}). Node is found on PATH; without it `validate` says so. Each call is one
short-lived `node` process with a bare environment, killed at its timeout: the job's tokens and
keys never reach it, and a hung script cannot hold the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import fmt, is_templated, number, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.execution.scorers.custom import interpret
from eval_action.inputs import valuefiles
from eval_action.model.errors import UserError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_TIMEOUT_S = 30.0
TRANSFORM = "transform"
_NO_NODE = ("javascript scorers need Node.js, and `node` is not on PATH — install Node (or add "
            "`actions/setup-node` to the job), or write the check as a `python` scorer")
_MAX_REPLY = 1_000_000
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR")

# Reads {code | file + fn, output, context} on stdin, prints {"result": ...} or {"error": ...}.
_BOOT = r"""
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const say = (o) => process.stdout.write('\n' + JSON.stringify(o) + '\n', () => process.exit(0));
  try {
    let fn;
    if (req.file) {
      const mod = await import(require('url').pathToFileURL(req.file).href);
      fn = req.fn ? (mod[req.fn] ?? mod.default?.[req.fn]) : (mod.default ?? mod);
      if (typeof fn !== 'function') throw new Error(`${req.file} exports no function ${req.fn || 'default'}`);
    } else {
      let body = req.code.trimEnd();
      if (!body.includes('\n')) {
        const t = body.trim().replace(/;+\s*$/, '');
        const semi = t.lastIndexOf(';');
        body = /^(const|let|var)\s/.test(t) && semi !== -1
          ? `${t.slice(0, semi + 1)} return ${t.slice(semi + 1).trim()}` : `return ${t}`;
      }
      fn = new Function('output', 'context', body);
    }
    say({ result: await fn(req.output, req.context) ?? null });
  } catch (e) {
    say({ error: String(e && e.message || e).split('\n')[0] });
  }
});
"""


def node() -> str | None:
    return shutil.which("node")


def script_value(code: Any) -> dict[str, str]:
    """An inline `transform:`; files are named only by `javascript` values."""
    if not isinstance(code, str) or not code.strip() or valuefiles.is_ref(code):
        raise ScorerError("transform must be a JavaScript expression over `output`, such as "
                          "`output.trim().toLowerCase()`")
    return {"code": code}


def _script(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> dict[str, str]:
    value = spec.value
    if not isinstance(value, str) or not value.strip():
        raise UserError("javascript needs `value:` — an expression such as `output.length < 100`, "
                        "or `file://check.js[:function]`")
    if not valuefiles.is_ref(value):
        return {"code": value}
    return {"file": str(valuefiles.resolve(value, prompt_dir, repo_root)), "fn": valuefiles.split(value)[1] or ""}


async def run_js(request: dict[str, Any], repo_root: Path, timeout: float) -> Any:
    """What the user's JavaScript returned; ScorerError when it threw, hung or printed no result."""
    exe = node()
    if exe is None:
        raise ScorerError(_NO_NODE)
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    proc = await asyncio.create_subprocess_exec(
        exe, "-e", _BOOT, cwd=repo_root, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), timeout)
    except TimeoutError:
        raise ScorerError(f"javascript took longer than {fmt(timeout)}s — make it faster or raise `timeout_s`") \
            from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            await proc.wait()
    last = out[-_MAX_REPLY:].decode("utf-8", "replace").strip().rsplit("\n", 1)[-1]
    try:
        reply = json.loads(last)
    except json.JSONDecodeError:
        raise ScorerError("javascript printed no result — did it call process.exit()?") from None
    if "error" in reply:
        raise ScorerError(f"javascript threw {reply['error'][:200]}")
    return reply.get("result")


def js_context(ctx: ScoreContext) -> dict[str, Any]:
    return {"vars": ctx.vars, "expected": ctx.expected, "case_id": ctx.case_id, "prompt": ctx.prompt}


async def javascript(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    try:
        script = _script(spec, ctx.prompt_dir, ctx.repo_root)
    except UserError as e:
        raise ScorerError(e.message) from None
    timeout = number(spec.options.get("timeout_s", DEFAULT_TIMEOUT_S), "timeout_s")
    result = await run_js({**script, "output": ctx.output, "context": js_context(ctx)}, ctx.repo_root, timeout)
    return interpret(result, spec.threshold)


def validate_node() -> list[str]:
    return [] if node() is not None else [_NO_NODE]


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = threshold_problems(spec, 0, 1) + validate_node()
    if is_templated(spec.value):
        return problems
    try:
        _script(spec, prompt_dir, repo_root)
    except UserError as e:
        problems.append(e.message)
    return problems


SCORERS: dict[str, ScorerDef] = {"javascript": ScorerDef(javascript, _validate, options=frozenset({"timeout_s"}))}
