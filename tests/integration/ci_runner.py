"""Run `eval-action ci` the way the GitHub runner and a GitLab job do: the Dockerfile's entrypoint
(or the template's script) in a subprocess, with the environment each platform gives it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from support import CAPITALS as ALL_CAPITALS
from support import capitals_prompt, capitals_rows, git

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "sk-e2e-PLANTED-secret-4b1d"
TOKEN = "ghs_e2e_token"
GL_TOKEN = "glpat-e2e-token"

CONFIG = "providers:\n  default: {type: openai, model: fake-model}\n"
CAPITALS = dict(list(ALL_CAPITALS.items())[:4])


def answer(body: dict[str, Any]) -> str:
    """The fake model: right with the plain prompt, wrong about Europe when told to be creative."""
    system = str(body["messages"][0]["content"])
    country = str(body["messages"][-1]["content"]).rsplit(" ", 1)[-1].rstrip("?")
    if "creative" in system and country in ("France", "Germany"):
        return "Atlantis"
    return CAPITALS.get(country, "Unknown")



@dataclass(frozen=True)
class Repo:
    path: Path
    base: str
    head: str


def make_repo(root: Path, head_system: str = "Reply with the city only.") -> Repo:
    repo = root / "repo"
    (repo / "prompts/data").mkdir(parents=True)
    (repo / "eval-action.yaml").write_text(CONFIG)
    (repo / "prompts/data/capitals.jsonl").write_text(capitals_rows(CAPITALS))
    (repo / "prompts/capitals.prompt.yaml").write_text(capitals_prompt("Answer with the city only."))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    (repo / "prompts/capitals.prompt.yaml").write_text(capitals_prompt(head_system))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    return Repo(repo, base, git(repo, "rev-parse", "HEAD"))


def example_pr(example: Path, root: Path, prompt: str) -> Repo:
    """`example` committed on main, and a branch that touches `prompt`: a pull request that selects it."""
    shutil.copytree(example, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "feature")
    (root / prompt).write_text((root / prompt).read_text() + "# v2\n")
    git(root, "commit", "-qam", "head")
    return Repo(root, base, git(root, "rev-parse", "HEAD"))


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "INPUT_", "CI_", "GITLAB", "OPENAI", "ANTHROPIC", "EVAL_ACTION"))}
    env.pop("CI", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: str
    summary: str

    def everything(self) -> str:
        return self.stdout + self.stderr + self.outputs + self.summary


def action_inputs(given: dict[str, str]) -> dict[str, str]:
    """INPUT_* as the runner exports them: every input, defaults filled, hyphens kept."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    env = {}
    for name, spec in action["inputs"].items():
        value = str(given.get(name, (spec or {}).get("default", "")))
        env[f"INPUT_{name.upper()}"] = re.sub(r"\$\{\{\s*github\.token\s*\}\}", TOKEN, value)
    return env


def entrypoint() -> list[str]:
    dockerfile = (PROJECT / "Dockerfile").read_text()
    argv: list[str] = json.loads(re.findall(r"(?m)^ENTRYPOINT\s+(.+)$", dockerfile)[-1])
    return [str(BIN / Path(argv[0]).name), *argv[1:]]  # the image's venv is this test run's


def github_event(repo: Repo, *, event: str = "pull_request", fork: bool = False) -> dict[str, Any]:
    if event == "push":
        return {"before": repo.base, "after": repo.head, "ref": "refs/heads/feature",
                "repository": {"full_name": "acme/app"}}
    head_repo = "contributor/app" if fork else "acme/app"
    return {"action": "synchronize", "number": 7,
            "pull_request": {"number": 7, "head": {"sha": repo.head, "ref": "feature",
                                                   "repo": {"full_name": head_repo}},
                             "base": {"sha": repo.base, "ref": "main", "repo": {"full_name": "acme/app"}}},
            "repository": {"full_name": "acme/app"}}


def run_action(repo: Repo, llm_url: str, forge_url: str, inputs: dict[str, str], *, event: str = "pull_request",
               fork: bool = False, run_id: int = 100, extra_env: dict[str, str] | None = None) -> Result:
    work = repo.path.parent
    event_file, outputs, summary = work / f"event-{run_id}.json", work / "output.txt", work / "summary.md"
    event_file.write_text(json.dumps(github_event(repo, event=event, fork=fork)))
    outputs.write_text("")
    summary.write_text("")
    env = clean_env({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": forge_url, "GITHUB_SERVER_URL": "https://github.test",
        "GITHUB_WORKSPACE": str(repo.path), "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_SHA": repo.head, "GITHUB_WORKFLOW": "evals", "GITHUB_JOB": "eval", "GITHUB_RUN_ID": str(run_id),
        "GITHUB_RUN_ATTEMPT": "1", "RUNNER_TEMP": str(work), "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": llm_url + "/v1", **action_inputs(inputs), **(extra_env or {})})
    p = subprocess.run(entrypoint(), cwd=repo.path, env=env, capture_output=True, text=True, timeout=120)
    return Result(p.returncode, p.stdout, p.stderr, outputs.read_text(), summary.read_text())


def gitlab_job(inputs: dict[str, Any]) -> dict[str, Any]:
    """The template's job with the inputs interpolated as GitLab does (defaults for the rest)."""
    text = (PROJECT / "templates/eval.yml").read_text()
    header, body = text.split("\n---", 1)
    spec = yaml.safe_load(header)["spec"]["inputs"]
    values = {k: inputs.get(k, (v or {}).get("default", "")) for k, v in spec.items()}

    def interp(m: re.Match[str]) -> str:
        v = values[m[1]]
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    jobs = yaml.safe_load(re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", interp, body))
    return next(iter(jobs.values()))  # type: ignore[no-any-return]


def run_gitlab(repo: Repo, llm_url: str, forge_url: str, inputs: dict[str, Any], *, token: str | None = GL_TOKEN,
               pipeline_id: int = 500, merge_request: bool = True) -> Result:
    job = gitlab_job(inputs)
    env = clean_env({
        "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_ID": "42", "CI_PROJECT_PATH": "acme/app",
        "CI_PROJECT_DIR": str(repo.path), "CI_PROJECT_URL": "https://gitlab.test/acme/app",
        "CI_SERVER_URL": forge_url, "CI_API_V4_URL": forge_url + "/api/v4",
        "CI_JOB_NAME": "eval", "CI_JOB_TOKEN": "job-token-not-for-notes", "CI_COMMIT_SHA": repo.head,
        "CI_PIPELINE_ID": str(pipeline_id), "CI_PIPELINE_URL": f"https://gitlab.test/p/{pipeline_id}",
        "CI_DEFAULT_BRANCH": "main", "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": llm_url + "/v1"})
    if merge_request:
        env.update({"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "3",
                    "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"})
    else:
        env.update({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"})
    for name, value in (job.get("variables") or {}).items():
        env[name] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m[1], ""), str(value))
    if token:
        env[str(inputs.get("token-variable", "GITLAB_TOKEN"))] = token
    script = "set -e\n" + "\n".join([*job.get("before_script", []), *job["script"]])
    # POSIX sh, not bash: the image is Alpine, where the runner falls back to BusyBox sh.
    p = subprocess.run(["sh", "-c", script], cwd=repo.path, env=env, capture_output=True, text=True,
                       timeout=120)
    return Result(p.returncode, p.stdout, p.stderr, "", "")
