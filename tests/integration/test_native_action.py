"""native/action.yml as the runner runs a composite action: each step's shell script, in order, with the
step's `env:` interpolated, on the runner itself, so the agent uses the job's own python3 and the
packages an earlier step of the job installed there (examples/agent-with-deps)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_runner import PROJECT, SECRET, TOKEN, Repo, clean_env, example_pr, github_event

from fakes.forge import FakeForge
from fakes.llm import FakeLLM
from support import parse_outputs

ACTION = PROJECT / "native/action.yml"
EXAMPLE = PROJECT / "examples/agent-with-deps"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge() as f:
        yield f


@pytest.fixture
def job_python(tmp_path: Path) -> Path:
    """The job's python3, after the workflow's own `pip install -r requirements.txt` step."""
    venv = tmp_path / "job-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    step = subprocess.run([str(venv / "bin/pip"), "install", "-q", "-r", str(EXAMPLE / "requirements.txt")],
                          capture_output=True, text=True, timeout=300)
    if step.returncode != 0:
        pytest.skip(f"no package index reachable for the example's requirement: {step.stderr[-200:]}")
    return venv / "bin"


def interpolate(text: str, inputs: dict[str, str], defaults: dict[str, Any]) -> str:
    def value(m: re.Match[str]) -> str:
        expr = m[1].strip()
        if expr == "github.action_path":
            return str(ACTION.parent)
        name = expr.removeprefix("inputs.")
        raw = inputs.get(name, str((defaults.get(name) or {}).get("default", "")))
        return re.sub(r"\$\{\{\s*github\.token\s*\}\}", TOKEN, raw)
    return re.sub(r"\$\{\{(.+?)\}\}", value, text)


def run_native(repo: Repo, llm_url: str, forge_url: str, inputs: dict[str, str], job_python: Path) -> dict[str, Any]:
    action = yaml.safe_load(ACTION.read_text())
    work = repo.path.parent
    (work / "event.json").write_text(json.dumps(github_event(repo)))
    (work / "output.txt").write_text("")
    (work / "summary.md").write_text("")
    runner = clean_env({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(work / "event.json"), "GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": forge_url,
        "GITHUB_SERVER_URL": "https://github.test", "GITHUB_WORKSPACE": str(repo.path),
        "GITHUB_OUTPUT": str(work / "output.txt"), "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
        "GITHUB_SHA": repo.head, "GITHUB_WORKFLOW": "evals", "GITHUB_JOB": "eval", "GITHUB_RUN_ID": "100",
        "GITHUB_RUN_ATTEMPT": "1", "RUNNER_TEMP": str(work / "runner-temp"), "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": llm_url + "/v1",
        "PATH": f"{job_python}:/usr/local/bin:/usr/bin:/bin"})  # the runner's tools, not this test's venv
    (work / "runner-temp").mkdir()
    last = None
    for step in action["runs"]["steps"]:
        env = {**runner, **{k: interpolate(str(v), inputs, action["inputs"])
                            for k, v in (step.get("env") or {}).items()}}
        last = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo.path, env=env, capture_output=True,
                              text=True, timeout=600)
        if step.get("id") != "eval":
            assert last.returncode == 0, last.stderr
    assert last is not None
    return {"code": last.returncode, "stderr": last.stderr, "summary": (work / "summary.md").read_text(),
            "outputs": parse_outputs((work / "output.txt").read_text()), "venv": work / "runner-temp/eval-action-venv"}


def test_the_native_action_runs_the_agent_with_the_jobs_own_packages(
        tmp_path: Path, llm: FakeLLM, forge: FakeForge, job_python: Path) -> None:
    repo = example_pr(EXAMPLE, tmp_path / "repo", "prompts/sizes.prompt.yaml")
    result = run_native(repo, llm.url, forge.url,
                        {"mode": "blocking"}, job_python)
    assert result["code"] == 0, result["stderr"]
    assert "2/2 cases passed" in result["summary"]
    assert result["outputs"]["status"] == "pass" and result["outputs"]["passed"] == "2"
    assert llm.requests == []  # the agent is the target: no model was called
    # eval-action lives in its own venv under RUNNER_TEMP; the job's python3 never got it
    assert (result["venv"] / "bin/eval-action").exists()
    probe = subprocess.run([str(job_python / "python3"), "-c", "import eval_action"], capture_output=True)
    assert probe.returncode != 0
