"""native/action.yml as the runner runs a composite action: each step's shell script, in order, with the
step's `env:` interpolated, on the runner itself, from a copy of the action's checkout as a release tag
lays it out (native/wheelhouse/ beside the sources), so the agent uses the job's own python3 and the
packages an earlier step of the job installed there (examples/agent-with-deps), and eval-action itself
installs with no package index: pip's configuration is replaced by a loopback index holding every
wheel, which must see no request."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_runner import PROJECT, SECRET, TOKEN, Repo, clean_env, example_pr, github_event

from fakes.forge import FakeForge
from fakes.index import FakeIndex
from fakes.llm import FakeLLM
from support import parse_outputs

EXAMPLE = PROJECT / "examples/agent-with-deps"
WHEELHOUSE_SCRIPT = PROJECT / "native/wheelhouse.py"


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


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the release job adds to the tag, for this machine's platform and Python only."""
    dest = tmp_path_factory.mktemp("release") / "wheelhouse"
    key = subprocess.run([sys.executable, str(WHEELHOUSE_SCRIPT), "key"], capture_output=True, text=True,
                         check=True).stdout.strip()
    built = subprocess.run([sys.executable, str(WHEELHOUSE_SCRIPT), "build", str(dest), key],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.skip(f"no package index reachable to build the wheelhouse: {built.stderr[-200:]}")
    return dest


@pytest.fixture
def index(wheelhouse: Path) -> Iterator[FakeIndex]:
    with FakeIndex(wheelhouse) as i:
        yield i


def action_checkout(root: Path, wheelhouse: Path | None) -> Path:
    """The action's files as the runner unpacks a ref of it; a release tag's carries the wheelhouse."""
    for rel in ("native", "src"):
        shutil.copytree(PROJECT / rel, root / rel,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "wheelhouse"))
    for rel in ("pyproject.toml", "README.md", "LICENSE", "requirements.lock"):
        shutil.copy(PROJECT / rel, root / rel)
    if wheelhouse is not None:
        shutil.copytree(wheelhouse, root / "native/wheelhouse")
    return root / "native"


def interpolate(text: str, action_path: Path, inputs: dict[str, str], defaults: dict[str, Any]) -> str:
    def value(m: re.Match[str]) -> str:
        expr = m[1].strip()
        if expr == "github.action_path":
            return str(action_path)
        name = expr.removeprefix("inputs.")
        raw = inputs.get(name, str((defaults.get(name) or {}).get("default", "")))
        return re.sub(r"\$\{\{\s*github\.token\s*\}\}", TOKEN, raw)
    return re.sub(r"\$\{\{(.+?)\}\}", value, text)


def run_native(repo: Repo, action_path: Path, index_url: str, job_python: Path, *, llm_url: str = "",
               forge_url: str = "", inputs: dict[str, str] | None = None, steps: int | None = None) -> dict[str, Any]:
    """The action's first `steps` steps (all by default), as the runner runs them."""
    action = yaml.safe_load((action_path / "action.yml").read_text())
    work = repo.path.parent
    (work / "event.json").write_text(json.dumps(github_event(repo)))
    (work / "output.txt").write_text("")
    (work / "summary.md").write_text("")
    runner = {k: v for k, v in clean_env({}).items() if not k.startswith("PIP_")}
    runner.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "RUNNER_OS": "Linux",
        "GITHUB_EVENT_PATH": str(work / "event.json"), "GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": forge_url,
        "GITHUB_SERVER_URL": "https://github.test", "GITHUB_WORKSPACE": str(repo.path),
        "GITHUB_OUTPUT": str(work / "output.txt"), "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
        "GITHUB_SHA": repo.head, "GITHUB_WORKFLOW": "evals", "GITHUB_JOB": "eval", "GITHUB_RUN_ID": "100",
        "GITHUB_RUN_ATTEMPT": "1", "RUNNER_TEMP": str(work / "runner-temp"), "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": llm_url + "/v1",
        # pip as on a runner whose only package index is the loopback one: none of this machine's config
        "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": index_url,
        "PATH": f"{job_python}:/usr/local/bin:/usr/bin:/bin"})  # the runner's tools, not this test's venv
    (work / "runner-temp").mkdir()
    last = None
    for step in action["runs"]["steps"][:steps]:
        env = {**runner, **{k: interpolate(str(v), action_path, inputs or {}, action["inputs"])
                            for k, v in (step.get("env") or {}).items()}}
        last = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=repo.path, env=env, capture_output=True, text=True, timeout=600)
        if step.get("id") != "eval" and last.returncode != 0:
            break
    assert last is not None
    return {"code": last.returncode, "stdout": last.stdout, "stderr": last.stderr,
            "summary": (work / "summary.md").read_text(),
            "outputs": parse_outputs((work / "output.txt").read_text()), "venv": work / "runner-temp/eval-action-venv"}


def test_the_native_action_runs_the_agent_with_the_jobs_own_packages_installing_from_no_index(
        tmp_path: Path, llm: FakeLLM, forge: FakeForge, job_python: Path, wheelhouse: Path, index: FakeIndex) -> None:
    repo = example_pr(EXAMPLE, tmp_path / "repo", "prompts/sizes.prompt.yaml")
    action = action_checkout(tmp_path / "action", wheelhouse)
    result = run_native(repo, action, index.url, job_python, llm_url=llm.url, forge_url=forge.url,
                        inputs={"mode": "blocking"})
    assert result["code"] == 0, result["stderr"]
    assert index.requests == [], "eval-action's install reached for a package index"
    assert "2/2 cases passed" in result["summary"]
    assert result["outputs"]["status"] == "pass" and result["outputs"]["passed"] == "2"
    assert llm.requests == []  # the agent is the target: no model was called
    # eval-action lives in its own venv under RUNNER_TEMP; the job's python3 never got it
    assert (result["venv"] / "bin/eval-action").exists()
    probe = subprocess.run([str(job_python / "python3"), "-c", "import eval_action"], capture_output=True)
    assert probe.returncode != 0


def test_a_wheelhouse_without_the_runners_python_fails_in_one_line_saying_how_to_fall_back(
        tmp_path: Path, job_python: Path, index: FakeIndex) -> None:
    other = tmp_path / "other-wheelhouse"
    other.mkdir()
    (other / "platforms.txt").write_text("darwin-arm64-cp399\n")
    repo = example_pr(EXAMPLE, tmp_path / "repo", "prompts/sizes.prompt.yaml")
    result = run_native(repo, action_checkout(tmp_path / "action", other), index.url, job_python, steps=1)
    key = subprocess.run([str(job_python / "python3"), str(WHEELHOUSE_SCRIPT), "key"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert result["code"] == 2
    assert result["stdout"].splitlines() == [
        f"::error::eval-action's wheelhouse has no wheels for this runner's python3 ({key}; it has "
        "darwin-arm64-cp399): run actions/setup-python with one of those Pythons before this step, or use the "
        "Docker action (the same uses: line without /native)"]
    assert index.requests == [] and not result["venv"].exists()


def test_a_ref_without_a_wheelhouse_installs_the_locked_files_from_the_package_index(
        tmp_path: Path, job_python: Path, index: FakeIndex) -> None:
    repo = example_pr(EXAMPLE, tmp_path / "repo", "prompts/sizes.prompt.yaml")
    result = run_native(repo, action_checkout(tmp_path / "action", None), index.url, job_python, steps=1)
    assert result["code"] == 0, result["stderr"]
    assert result["stdout"].startswith("::notice::this ref of eval-action carries no wheelhouse")
    assert any(r.startswith("/files/pydantic_core-") for r in index.requests)
    assert (result["venv"] / "bin/eval-action").exists()
