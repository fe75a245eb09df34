"""Shared set-up for the fault, signal and security tests: a real git repository, a GitHub-like
environment (as the runner gives the container) and the real CLI, in-process or as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from support import git

OPENAI_KEY = "sk-PLANTED-openai-4b1d9e"
ANTHROPIC_KEY = "sk-ant-PLANTED-anthropic-77c0aa"
GITHUB_TOKEN = "ghs_PLANTED_github_token_51f2"
GITLAB_TOKEN = "glpat-PLANTED-gitlab-token-e8a0"
JOB_TOKEN = "PLANTED-ci-job-token-3d9c"
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, GITHUB_TOKEN, GITLAB_TOKEN, JOB_TOKEN)
PR = ("gh", "acme/app", 7)

# Variables of the machine running the tests that would change what the CLI sees.
_FOREIGN = ("GITHUB_", "INPUT_", "CI_", "GITLAB", "OPENAI", "ANTHROPIC", "EVAL_ACTION_", "RUNNER_")



@dataclass(frozen=True)
class Repo:
    root: Path
    base: str
    head: str


def make_repo(tmp_path: Path, files: dict[str, str], head_files: dict[str, str] | None = None) -> Repo:
    """`files` on main; `head_files` (default: every prompt touched) on the feature branch."""
    root = tmp_path / "repo"
    root.mkdir()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "feature")
    changes = head_files if head_files is not None else {
        n: t + "\n# touched\n" for n, t in files.items() if ".prompt." in n}
    for name, text in changes.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "change", "--allow-empty")
    return Repo(root, base, git(root, "rev-parse", "HEAD"))


def config(llm_url: str, defaults: str = "{timeout_s: 2, retries: 1}") -> str:
    return (f"providers:\n  default: {{type: openai, model: fake-model, base_url: '{llm_url}/v1'}}\n"
            f"defaults: {defaults}\n")


def cases_prompt(n: int, scorer: str = "{type: contains, value: echo}", name: str = "p") -> str:
    cases = "".join(f"    - {{id: c{i}, vars: {{q: 'question {i}'}}}}\n" for i in range(n))
    return (f"name: {name}\nprovider: default\nmessages:\n  - {{role: user, content: '{{{{ q }}}}'}}\n"
            f"evals:\n  cases:\n{cases}  scorers:\n    - {scorer}\n")


def github_env(tmp_path: Path, repo: Repo, forge_url: str, event: str = "pull_request",
               fork: bool = False) -> dict[str, str]:
    """What the GitHub runner exports into a Docker action, plus planted secrets."""
    head_repo = "contributor/app" if fork else "acme/app"
    payload = {"number": 7, "pull_request": {
        "number": 7, "head": {"sha": repo.head, "ref": "feature", "repo": {"full_name": head_repo}},
        "base": {"sha": repo.base, "ref": "main", "repo": {"full_name": "acme/app"}}}}
    (tmp_path / "event.json").write_text(json.dumps(payload))
    for name in ("out.txt", "summary.md"):
        (tmp_path / name).write_text("")
    return {
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"), "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_API_URL": forge_url, "GITHUB_SERVER_URL": "https://github.test",
        "GITHUB_WORKSPACE": str(repo.root), "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_SHA": repo.head,
        "GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": "feature", "GITHUB_WORKFLOW": "evals",
        "GITHUB_JOB": "eval", "GITHUB_RUN_ID": "11", "INPUT_GITHUB-TOKEN": GITHUB_TOKEN,
        "INPUT_MODE": "informational", "INPUT_COMMENT": "true", "GITHUB_TOKEN": GITHUB_TOKEN,
        "CI_JOB_TOKEN": JOB_TOKEN, "GITLAB_TOKEN": GITLAB_TOKEN,
        "OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
    }


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def set_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], cwd: Path) -> None:
    for name in list(os.environ):
        if name.startswith(_FOREIGN) or name == "CI":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str],
            cwd: Path, argv: list[str]) -> Outcome:
    """The real CLI in-process; the monkeypatched environment is restored after the test."""
    set_env(monkeypatch, env, cwd)
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN) and k != "CI"}
    return {**base, **env}


def spawn(env: dict[str, str], cwd: Path, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "eval_action", *argv], cwd=cwd, env=subprocess_env(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def results(repo: Path, out: str = "eval-results") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / out / "results.json").read_text())
    return data


def case_count(data: dict[str, Any]) -> int:
    return sum(len(p["cases"]) for p in data["prompts"])


def assert_accounted(data: dict[str, Any], expected_cases: int) -> None:
    """Every case ends passed, failed or errored — none lost, none counted twice."""
    t = data["totals"]
    assert t["cases"] == expected_cases == case_count(data), t
    assert t["passed"] + t["failed"] + t["errored"] == t["cases"], t
    ids = [(p["path"], c["id"]) for p in data["prompts"] for c in p["cases"]]
    assert len(ids) == len(set(ids)), "a case is reported twice"


def leaked(*texts: str) -> list[str]:
    """Planted secrets found in `texts`. `::add-mask::` lines are the runner's masking protocol: it
    consumes them, so they never reach the job log."""
    shown = "\n".join(line for text in texts for line in text.splitlines() if not line.startswith("::add-mask::"))
    return [s for s in SECRETS if s in shown]
