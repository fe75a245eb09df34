"""The GitLab components as gitlab-ci-local renders them with `--preview`: it resolves a project's own
`include: component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` from the working tree as
GitLab does, interpolates the inputs and enforces their `options` and `regex`.

gitlab-ci-local (npm) needs Node >= 22. It is found through $GITLAB_CI_LOCAL, else by tests/devtools.py
(the README's second line installs both under .venv/node); the npm script runs under the `node` beside
it, else the first Node >= 22 found. Skipped when either is missing, a failure in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

import devtools

ROOT = Path(__file__).resolve().parents[2]
# The project path the local component refs resolve against; the host is never contacted.
REMOTE = "https://gitlab.example.com/acme/eval-action.git"
MIN_NODE = 22


@cache
def command() -> tuple[str, ...]:
    tool = Path(os.environ.get("GITLAB_CI_LOCAL") or devtools.find("gitlab-ci-local"))
    with tool.open("rb") as head:
        if head.read(2) != b"#!":  # a self-contained build (Homebrew, .deb) carries its own runtime
            return (str(tool),)
    return (devtools.node(MIN_NODE, beside=tool.parent), str(tool))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A project holding this checkout's components, at a commit their local refs can name."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "templates", project / "templates")
    git(project, "init", "-q", "-b", "main")
    git(project, "remote", "add", "origin", REMOTE)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "components")
    return project


def preview(repo: Path, pipeline: str) -> subprocess.CompletedProcess[str]:
    (repo / ".gitlab-ci.yml").write_text(pipeline, encoding="utf-8")
    # HOME isolates the run from a user's ~/.gitlab-ci-local variables
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(repo.parent)}
    return subprocess.run([*command(), "--preview"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=60)


def rendered(repo: Path, pipeline: str) -> dict[str, Any]:
    result = preview(repo, pipeline)
    assert result.returncode == 0, result.stderr
    jobs: dict[str, Any] = yaml.safe_load(result.stdout)
    return jobs


def include_eval(inputs: dict[str, str]) -> str:
    return yaml.safe_dump({
        "include": [{"component": "$CI_SERVER_FQDN/$CI_PROJECT_PATH/eval@$CI_COMMIT_SHA", "inputs": inputs}]
    })


@pytest.mark.parametrize(("inputs", "mode"), [({}, "informational"), ({"mode": "blocking"}, "blocking")])
def test_eval_component_renders(repo: Path, inputs: dict[str, str], mode: str) -> None:
    job = rendered(repo, include_eval(inputs))["eval"]
    assert job["script"] == ["eval-action ci"]
    assert job["stage"] == "test"
    assert job["variables"]["EVAL_ACTION_MODE"] == mode
    assert job["variables"]["EVAL_ACTION_TOKEN_VARIABLE"] == "GITLAB_TOKEN"
    assert job["artifacts"]["reports"]["junit"] == "eval-results/junit.xml"


@pytest.mark.parametrize(("name", "value"), [("mode", "sometimes"), ("concurrency", "0")])
def test_eval_component_rejects_an_input_it_does_not_allow(repo: Path, name: str, value: str) -> None:
    result = preview(repo, include_eval({name: value}))
    assert result.returncode != 0, result.stdout
    assert f"`{name}` input: `{value}`" in result.stderr, result.stderr


def test_sharded_example_renders_with_the_merge_component(repo: Path) -> None:
    example = (ROOT / "examples/gitlab/sharded.yml").read_text(encoding="utf-8")
    # the published refs, pointed at the components of this checkout
    published = r"\$CI_SERVER_FQDN/[\w.-]+/[\w.-]+/([\w-]+)@\S+"
    local = re.sub(published, r"$CI_SERVER_FQDN/$CI_PROJECT_PATH/\1@$CI_COMMIT_SHA", example)
    assert local.count("$CI_PROJECT_PATH/") == 2
    jobs = rendered(repo, local)
    assert jobs["eval"]["parallel"] == 4 and jobs["eval"]["variables"]["EVAL_ACTION_SHARD"] == "auto"
    assert jobs["eval"]["artifacts"]["reports"]["junit"] == "eval-shards/$CI_NODE_INDEX/junit.xml"
    report = jobs["eval-report"]
    assert [need["job"] for need in report["needs"]] == ["eval"]
    assert report["script"] == ["eval-action report eval-shards/"]
    assert report["variables"]["EVAL_ACTION_MODE"] == "blocking"


def test_own_pipeline_renders_its_dogfood_job(repo: Path) -> None:
    job = rendered(repo, (ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))["dogfood"]
    assert job["script"] == ["eval-action ci"]
    assert job["variables"]["EVAL_ACTION_MODE"] == "blocking"
    assert job["image"]["name"] == "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
