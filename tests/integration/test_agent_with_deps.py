"""examples/agent-with-deps through the Action's container path: `setup` installs the agent's
requirements into the image's python3, a Python apart from eval-action's own environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ci_runner import example_pr, run_action

from fakes.forge import FakeForge
from fakes.llm import FakeLLM

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/agent-with-deps"


@pytest.fixture
def image_python(tmp_path: Path) -> Path:
    """The image's python3: its own environment, where `setup` installs, without eval-action in it."""
    probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp_path / "dl"),
                            "humanize>=4,<5"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("no package index reachable for the example's requirement")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "image")], check=True, timeout=120)
    return tmp_path / "image/bin"


def test_the_example_agent_runs_with_the_requirements_setup_installed(tmp_path: Path, llm: FakeLLM,
                                                                      forge: FakeForge, image_python: Path) -> None:
    repo = example_pr(EXAMPLE, tmp_path / "repo", "prompts/sizes.prompt.yaml")
    path = f"{image_python}:/usr/bin:/bin"
    r = run_action(repo, llm.url, forge.url,
                   {"setup": "pip install -q -r requirements.txt", "mode": "blocking"}, extra_env={"PATH": path})
    assert r.code == 0, r.stderr
    assert "2/2 cases passed" in r.summary
    assert llm.requests == []  # the agent is the target: no model was called
