"""What ships: the repository's own workflows and pipeline, the release script, the merge component,
the sharded examples and the pre-commit hook, checked against the schemas and linters they must pass."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_static_checks import INTERPOLATION, ROOT, actionlint, errors, load, tool

from eval_action.platforms.gitlab import GitLabPlatform
from eval_action.platforms.inputs import INPUT_NAMES, inputs_from_env
from support import git

OWN_WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
ALL_WORKFLOWS = [*OWN_WORKFLOWS, ROOT / "examples/workflows/sharded.yml"]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def workflow(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the `on:` key as a boolean
    return data


def steps(path: Path) -> list[dict[str, Any]]:
    return [step for job in workflow(path)["jobs"].values() for step in job["steps"]]


# ---------------------------------------------------------------- GitHub workflows
def test_own_workflows_exist_and_match_schema() -> None:
    assert [p.name for p in OWN_WORKFLOWS] == ["ci.yml", "dogfood.yml", "release.yml"]
    for path in ALL_WORKFLOWS:
        assert errors(workflow(path), "github-workflows.json") == [], path.name


def test_workflows_are_least_privilege_and_pinned() -> None:
    for path in OWN_WORKFLOWS:
        assert workflow(path)["permissions"] == {}, f"{path.name}: jobs ask for what they need"
        for step in steps(path):
            uses = step.get("uses", "")
            assert uses in ("", "./") or SHA_PIN.match(uses), f"{path.name}: {uses} not pinned by SHA"
            if uses.startswith("actions/checkout@"):
                assert "persist-credentials" in step["with"], f"{path.name}: say whether the token stays"


def test_zizmor_clean() -> None:
    files = [str(p) for p in ALL_WORKFLOWS]
    result = subprocess.run([tool("zizmor"), "--offline", *files], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_clean() -> None:
    assert actionlint(ALL_WORKFLOWS) == []


def test_dogfood_runs_this_commit_on_the_offline_quickstart() -> None:
    dogfood = workflow(ROOT / ".github/workflows/dogfood.yml")
    assert list(dogfood["on"]) == ["pull_request"]
    step = next(s for s in steps(ROOT / ".github/workflows/dogfood.yml") if s.get("uses") == "./")
    assert step["with"]["working-directory"] == "examples/quickstart" and step["with"]["mode"] == "blocking"
    assert "env" not in step, "the quickstart's python agent needs no secret"
    config = yaml.safe_load((ROOT / "examples/quickstart/eval-action.yaml").read_text(encoding="utf-8"))
    assert {p["type"] for p in config["providers"].values()} == {"python"}


def test_release_builds_both_arches_with_immutable_and_moving_tags() -> None:
    release = workflow(ROOT / ".github/workflows/release.yml")
    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    jobs = release["jobs"]
    assert jobs["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert jobs["tags"]["permissions"] == {"contents": "write"} and jobs["tags"]["needs"] == ["image", "wheelhouse"]
    assert jobs["wheelhouse"]["permissions"] == {"contents": "read"}
    by_action = {s["uses"].split("@")[0]: s for s in jobs["image"]["steps"]}
    build = by_action["docker/build-push-action"]["with"]
    assert build["platforms"] == "linux/amd64,linux/arm64" and build["push"] is True
    tags = by_action["docker/metadata-action"]["with"]["tags"].split()
    assert tags == ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}",
                    "type=semver,pattern={{major}}"]


# ---------------------------------------------------------------- the release tag script


def release_script() -> str:
    tags_job = workflow(ROOT / ".github/workflows/release.yml")["jobs"]["tags"]
    return str(next(s["run"] for s in tags_job["steps"] if "run" in s))


def run_release(tmp_path: Path, tag: str) -> tuple[Path, Path]:
    """The tag job's script in a clone of a repository holding this action.yml, pushing to a bare origin."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "action.yml").write_text((ROOT / "action.yml").read_text(encoding="utf-8"))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "main")
    git(work, "tag", tag)
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main", tag)
    git(work, "checkout", "-q", tag)
    (work / "native/wheelhouse").mkdir(parents=True)  # what the wheelhouse job's artifact unpacks to
    (work / "native/wheelhouse/platforms.txt").write_text("linux-x86_64-cp312\n")
    (work / "native/wheelhouse/six-1.17.0-py2.py3-none-any.whl").write_bytes(b"PK")
    env = {"PATH": str(Path(tool("git")).parent), "HOME": str(tmp_path), "GITHUB_REF_NAME": tag,
           "GITHUB_REPOSITORY_OWNER": "Acme-Corp"}
    result = subprocess.run(["bash", "-c", release_script()], cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return origin, work


def test_release_tags_point_at_a_commit_running_the_published_image(tmp_path: Path) -> None:
    origin, _ = run_release(tmp_path, "v1.2.3")
    action = yaml.safe_load(git(origin, "show", "v1.2.3:action.yml"))
    assert action["runs"] == {"using": "docker", "image": "docker://ghcr.io/acme-corp/eval-action:1.2.3"}
    assert errors(action, "github-actions.json") == []
    assert git(origin, "rev-parse", "v1^{commit}") == git(origin, "rev-parse", "v1.2.3^{commit}")
    assert git(origin, "rev-parse", "v1.2.3^{commit}^") == git(origin, "rev-parse", "main"), "one commit on top"
    assert "image: Dockerfile" in git(origin, "show", "main:action.yml"), "main keeps building the Dockerfile"
    assert git(origin, "ls-tree", "--name-only", "v1.2.3", "native/wheelhouse/").split() == [
        "native/wheelhouse/platforms.txt", "native/wheelhouse/six-1.17.0-py2.py3-none-any.whl"]
    assert git(origin, "ls-tree", "main", "native/wheelhouse") == "", "main carries no wheels"


def test_prerelease_does_not_move_the_major_tag(tmp_path: Path) -> None:
    origin, _ = run_release(tmp_path, "v2.0.0-rc.1")
    assert "eval-action:2.0.0-rc.1" in git(origin, "show", "v2.0.0-rc.1:action.yml")
    assert git(origin, "tag", "--list", "v2") == ""


# ---------------------------------------------------------------- GitLab pipeline and merge component
def test_own_pipeline_and_gitlab_examples_match_schema() -> None:
    for rel in (".gitlab-ci.yml", "examples/gitlab/sharded.yml"):
        assert errors(load(rel), "gitlab-ci.json") == [], rel


def test_own_pipeline_tests_the_component_on_itself_and_releases_on_semver_tags() -> None:
    pipeline = load(".gitlab-ci.yml")
    include = pipeline["include"][0]
    assert include["component"] == "$CI_SERVER_FQDN/$CI_PROJECT_PATH/eval@$CI_COMMIT_SHA"
    assert include["inputs"]["image"] == "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
    assert pipeline["dogfood"]["needs"] == ["build-image"]
    rule = pipeline["release"]["rules"][0]["if"]
    pattern = re.search(r"=~ /(.+)/$", rule)
    assert pattern and re.match(pattern[1], "v1.2.3") and re.match(pattern[1], "1.2.3")
    assert not re.match(pattern[1], "v1.2.3-rc.1") and pipeline["release"]["release"]["tag_name"] == "$CI_COMMIT_TAG"


def component(name: str) -> tuple[dict[str, Any], str]:
    header, body = (ROOT / f"templates/{name}.yml").read_text(encoding="utf-8").split("\n---\n", 1)
    return yaml.safe_load(header), body


def instantiate(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """What `include: component:` does: the inputs (defaults unless given) interpolated into the jobs."""
    header, body = component(name)
    values = {k: spec.get("default") for k, spec in header["spec"]["inputs"].items()} | given

    def one(m: re.Match[str]) -> str:
        value = values[m[1]]
        return str(value).lower() if isinstance(value, bool) else str(value)

    jobs: dict[str, Any] = yaml.safe_load(INTERPOLATION.sub(one, body))
    return jobs


@pytest.mark.parametrize("mode", ["informational", "blocking"])
def test_report_component_matches_schema(mode: str) -> None:
    header, body = component("eval-report")
    assert errors(header, "gitlab-ci.json") == []
    assert set(INTERPOLATION.findall(body)) == set(header["spec"]["inputs"])
    assert all("default" in s and s.get("description") for s in header["spec"]["inputs"].values())
    assert errors(instantiate("eval-report", {"mode": mode}), "gitlab-ci.json") == []


def test_report_component_merges_every_shard_and_reports_once() -> None:
    job = instantiate("eval-report", {})["eval-report"]
    assert job["needs"] == [{"job": "eval", "artifacts": True}]
    assert job["script"] == ["eval-action report eval-shards/"]
    assert all(rule["when"] == "always" for rule in job["rules"]), "a failed shard's results still get merged"
    assert "reports" not in job["artifacts"], "the shards already report their JUnit cases"
    env = {k: v for k, v in job["variables"].items() if k.startswith("EVAL_ACTION_")}
    assert {k.removeprefix("EVAL_ACTION_").lower().replace("_", "-") for k in env} <= set(INPUT_NAMES)
    inputs = inputs_from_env(env, "EVAL_ACTION_", hyphens=False, source="template")
    assert inputs.output_dir == "eval-results" and inputs.token_variable == "GITLAB_TOKEN"


def expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: env.get(m[1], ""), text)


def test_sharded_gitlab_example_gives_each_parallel_job_its_slice_and_folder() -> None:
    example = load("examples/gitlab/sharded.yml")
    shard_inputs, report_inputs = (inc["inputs"] for inc in example["include"])
    job = instantiate("eval", shard_inputs)["eval"] | example["eval"]  # GitLab merges same-named jobs
    assert job["parallel"] == 4
    assert errors({"eval": job}, "gitlab-ci.json") == []
    folders = set()
    for index in range(1, 5):
        node = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": "4", "GITLAB_CI": "true"}
        env = node | {k: expand(str(v), node) for k, v in job["variables"].items()}
        inputs = GitLabPlatform(env).inputs()
        assert inputs.shard == f"{index}/4"
        folders.add(inputs.output_dir)
        assert expand(job["artifacts"]["paths"][0], node) == f"{inputs.output_dir}/"
    assert folders == {f"eval-shards/{i}" for i in range(1, 5)}, "one artifact folder per job"
    report = instantiate("eval-report", report_inputs)["eval-report"]
    assert report["script"] == ["eval-action report eval-shards/"]
    assert report["variables"]["EVAL_ACTION_MODE"] == "blocking"


def test_sharded_github_example_uploads_each_shard_and_merges_them() -> None:
    jobs = workflow(ROOT / "examples/workflows/sharded.yml")["jobs"]
    assert jobs["eval"]["strategy"]["matrix"]["shard"] == ["1/4", "2/4", "3/4", "4/4"]
    upload = next(s for s in jobs["eval"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "eval-shard-${{ strategy.job-index }}"
    assert jobs["report"]["needs"] == "eval" and jobs["report"]["permissions"] == {"pull-requests": "write"}
    download, merge = jobs["report"]["steps"]
    assert download["with"] == {"pattern": "eval-shard-*", "path": "eval-shards", "merge-multiple": False}
    assert merge["uses"].startswith("docker://ghcr.io/") and merge["with"]["entrypoint"] == "eval-action"
    assert merge["with"]["args"].split()[:2] == ["report", "eval-shards"]
    for step in (*jobs["eval"]["steps"], *jobs["report"]["steps"]):
        uses = step.get("uses", "")
        assert uses.startswith(("docker://", "eval-action/")) or SHA_PIN.match(uses), uses


# ---------------------------------------------------------------- pre-commit hook
def test_pre_commit_hook_validates_once_when_a_prompt_file_changes() -> None:
    (hook,) = load(".pre-commit-hooks.yaml")
    assert hook["entry"] == "eval-action validate" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("prompts/a.prompt.yaml", "x/b.prompt.md", "c.prompt.mdx", "d.prompty", "eval-action.yaml",
                 "prompts/data/cases.jsonl"):
        assert files.search(path), path
    for path in ("README.md", "src/app.py", "prompt.yaml", "my-eval-action.yaml"):
        assert not files.search(path), path


def test_ci_runs_exactly_the_readmes_second_line() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("```bash\n", 1)[1].splitlines()
    script = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert readme[1] == script[-1], "the README's second line is what CI runs"
    assert "npm install" in readme[1] and "node@22" in readme[1], "the linters the suite runs get installed"
