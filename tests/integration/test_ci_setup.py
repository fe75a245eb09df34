"""The `setup` input: the user's command before the evals, as the GitHub runner runs the action."""

from __future__ import annotations

from pathlib import Path

from ci_runner import TOKEN, make_repo, run_action

from fakes.forge import FakeForge
from fakes.llm import FakeLLM
from support import git

AGENT_PROMPT = """name: agent
provider: {type: python, function: "agent.py:run"}
messages:
  - {role: user, content: "hi"}
evals:
  cases: [{id: one}]
  scorers: [{type: equals, value: "from tinydep"}]
"""


def test_a_failing_setup_is_bad_input_with_its_last_lines(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {"setup": "echo resolving; echo 'No matching distribution' >&2; exit 3"})
    assert r.code == 2, r.stderr
    assert "::group::eval-action: setup" in r.stdout + r.stderr
    assert "exited with status 3: resolving | No matching distribution" in r.stderr
    assert llm.requests == []  # nothing ran without what setup was to install


def test_the_agent_imports_what_setup_installed_and_setup_never_sees_the_token(
        tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    (repo.path / "agent.py").write_text("import tinydep\ndef run(m, c):\n    return tinydep.WORD\n")
    (repo.path / "prompts/agent.prompt.yaml").write_text(AGENT_PROMPT)
    git(repo.path, "add", "-A")
    git(repo.path, "commit", "-qm", "agent")
    head = git(repo.path, "rev-parse", "HEAD")
    setup = "mkdir -p site && printf 'WORD = \"from tinydep\"\\n' > site/tinydep.py && env > setup-env.txt"
    r = run_action(repo.__class__(repo.path, repo.base, head), llm.url, forge.url,
                   {"setup": setup, "mode": "blocking"}, extra_env={"PYTHONPATH": "site"})
    assert r.code == 0, r.stderr
    assert "agent.prompt.yaml" in r.summary
    assert TOKEN not in (repo.path / "setup-env.txt").read_text()
