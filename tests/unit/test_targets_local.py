"""The user's own code as a target: python functions and commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from eval_action.execution.targets.base import Target, TargetRequest
from eval_action.execution.targets.command import CommandTarget
from eval_action.execution.targets.python_fn import PythonTarget
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError
from eval_action.model.specs import Message, ProviderSpec

REQUEST = TargetRequest(messages=[Message(role="user", content="hi")], params={"temperature": 0},
                        vars={"country": "France"}, case_id="fr", prompt="p.prompt.yaml")

AGENT = '''
import asyncio

def plain(messages, context):
    return f"{messages[-1]['content']}|{context['vars']['country']}|{context['case_id']}|{context['prompt']}"

async def coro(messages, context):
    await asyncio.sleep(0)
    return "async " + str(context["params"]["temperature"])

def rich(messages, context):
    return {"output": "ok", "tokens": 12, "cost_usd": 0.5}

def broken(messages, context):
    raise ValueError("first line\\nthe model exploded")

def wrong(messages, context):
    return 42
'''


def call(target: Target) -> Answer:
    return asyncio.run(target.complete(REQUEST))


def call_python(root: Path, function: str, timeout_s: float = 5) -> Answer:
    """A python target built and called as the runner does: inside the run, with the run's workers."""
    async def complete() -> Answer:
        usercode = UserCode(dict(os.environ), threads=2)
        try:
            return await python_target(root, function, usercode, timeout_s).complete(REQUEST)
        finally:
            await usercode.aclose()
    return asyncio.run(complete())


def python_target(root: Path, function: str, usercode: UserCode, timeout_s: float = 5) -> PythonTarget:
    spec = ProviderSpec(type="python", function=function, python=sys.executable)
    return PythonTarget(spec, repo_root=root, timeout_s=timeout_s, usercode=usercode)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "__init__.py").write_text("")
    (tmp_path / "agent" / "app.py").write_text(AGENT)
    return tmp_path


def test_sync_function_gets_messages_and_context(repo: Path) -> None:
    assert call_python(repo, "agent.app:plain").output == "hi|France|fr|p.prompt.yaml"
    assert python_target(repo, "agent.app:plain", UserCode({}, 1)).cache_identity() is None


def test_async_function_and_path_form(repo: Path) -> None:
    assert call_python(repo, "agent/app.py:coro").output == "async 0"


def test_dict_return_carries_tokens_and_cost(repo: Path) -> None:
    response = call_python(repo, "agent.app:rich")
    assert (response.output, response.tokens, response.cost_usd) == ("ok", 12, 0.5)


def test_exception_in_user_code_is_a_target_error_with_its_last_line(repo: Path) -> None:
    with pytest.raises(TargetError, match=r"agent.app:broken raised ValueError: the model exploded$"):
        call_python(repo, "agent.app:broken")
    with pytest.raises(TargetError, match="returned int"):
        call_python(repo, "agent.app:wrong")


@pytest.mark.parametrize(("function", "message"), [
    ("../outside.py:run", "leaves the repository"),
    ("agent/missing.py:run", "does not exist at the repository root"),
    ("no_colon", "must look like"),
])
def test_reference_problems_are_user_errors_before_any_call(repo: Path, function: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        python_target(repo, function, UserCode({}, 1))


@pytest.mark.parametrize(("function", "message"), [
    ("agent.missing:run", "No module named 'agent.missing'"),
    ("agent.app:nope", "has no function 'nope'"),
])
def test_import_problems_are_user_errors_at_the_first_call(repo: Path, function: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        call_python(repo, function)


def test_an_interpreter_that_is_not_there_is_a_user_error(repo: Path) -> None:
    spec = ProviderSpec(type="python", function="agent.app:plain", python=".venv/bin/python")
    with pytest.raises(UserError, match=r"'.venv/bin/python' does not exist"):
        PythonTarget(spec, repo_root=repo, timeout_s=1, usercode=UserCode({}, 1))
    spec = spec.model_copy(update={"python": "python-not-installed-3.99"})
    with pytest.raises(UserError, match="is not on PATH"):
        PythonTarget(spec, repo_root=repo, timeout_s=1, usercode=UserCode({"PATH": ""}, 1))


def test_slow_python_function_times_out(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text("import time\ndef run(m, c):\n    time.sleep(1)\n    return 'late'\n")
    with pytest.raises(TargetError, match=r"timed out after 0\.1s"):
        call_python(tmp_path, "slow.py:run", timeout_s=0.1)


# ------------------------------------------------------------------ command targets
def command_target(root: Path, script: str, env: dict[str, str] | None = None,
                   timeout_s: float = 10) -> CommandTarget:
    (root / "agent.py").write_text(textwrap.dedent(script))
    spec = ProviderSpec(type="command", command=[sys.executable, "agent.py"])
    return CommandTarget(spec, env=env if env is not None else {"PATH": os.environ["PATH"]},
                         repo_root=root, timeout_s=timeout_s)


def test_command_reads_json_stdin_and_answers_plain_text(tmp_path: Path) -> None:
    target = command_target(tmp_path, """
        import json, os, sys
        req = json.load(sys.stdin)
        print(req["messages"][0]["content"], req["vars"]["country"], req["case_id"],
              req["params"]["temperature"], os.getcwd())
    """)
    assert call(target).output == f"hi France fr 0 {tmp_path.resolve()}"
    assert target.cache_identity() is None


def test_command_gets_exactly_the_given_env(tmp_path: Path) -> None:
    target = command_target(tmp_path, "import json, os; print(json.dumps(sorted(os.environ)))",
                            env={"PATH": os.environ["PATH"], "ONLY": "1"})
    names = set(json.loads(call(target).output)) - {"LC_CTYPE", "PWD"}  # set by the interpreter itself
    assert names == {"PATH", "ONLY"}


def test_command_json_answer(tmp_path: Path) -> None:
    target = command_target(tmp_path, """print('{"output": "Paris", "tokens": 3, "cost_usd": 0.01}')""")
    response = call(target)
    assert (response.output, response.tokens, response.cost_usd) == ("Paris", 3, 0.01)


def test_command_non_zero_exit_reports_stderr_tail(tmp_path: Path) -> None:
    target = command_target(tmp_path, """
        import sys
        sys.stderr.write("x" * 1000 + "boom: no model")
        sys.exit(3)
    """)
    with pytest.raises(TargetError) as info:
        call(target)
    message = str(info.value)
    assert "exited with status 3" in message and message.endswith("boom: no model")
    assert len(message) < 400


def test_command_timeout_kills_it(tmp_path: Path) -> None:
    target = command_target(tmp_path, "import time; time.sleep(10)", timeout_s=0.3)
    with pytest.raises(TargetError, match=r"timed out after 0\.3s"):
        call(target)


def test_missing_program_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not on PATH"):
        CommandTarget(ProviderSpec(type="command", command=["no-such-program-xyz"]),
                      env={"PATH": str(tmp_path)}, repo_root=tmp_path, timeout_s=1)
