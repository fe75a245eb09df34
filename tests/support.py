"""Small helpers many tests share: git in a temp repository, GITHUB_OUTPUT as the runner reads it,
and the capitals eval most end-to-end tests (and benchmarks) run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

CAPITALS = {"France": "Paris", "Germany": "Berlin", "Japan": "Tokyo", "Kenya": "Nairobi",
            "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima", "Chile": "Santiago"}
_PROMPT = """name: capitals
provider: default
messages:
  - {{role: system, content: "{system}"}}
  - {{role: user, content: "What is the capital of {{{{ country }}}}?"}}
evals:
  dataset: data/capitals.jsonl
  scorers:
    - {{type: {scorer}, value: "{{{{ expected }}}}"}}
"""

if TYPE_CHECKING:
    import pytest


def capitals_prompt(system: str, scorer: str = "equals", min_rate: int | None = None) -> str:
    """The capitals prompt file with this system message; `min_rate` sets `min_pass_rate`."""
    text = _PROMPT.format(system=system, scorer=scorer)
    return text + (f"  min_pass_rate: {min_rate}\n" if min_rate is not None else "")


def capitals_rows(capitals: dict[str, str], ids: bool = False) -> str:
    """A JSONL dataset of those capitals, with the country as case id when `ids`."""
    rows = [{"vars": {"country": c}, "expected": e} | ({"id": c.lower()} if ids else {}) for c, e in capitals.items()]
    return "".join(json.dumps(row) + "\n" for row in rows)


def write_capitals_repo(root: Path, system: str = "Answer with the city only.",
                        config: str = "providers:\n  default: {type: openai, model: fake-model}\n") -> None:
    """The capitals prompt, its dataset and a config naming the fake model, under `root`."""
    (root / "prompts/data").mkdir(parents=True)
    (root / "eval-action.yaml").write_text(config)
    (root / "prompts/data/capitals.jsonl").write_text(capitals_rows(CAPITALS, ids=True))
    (root / "prompts/capitals.prompt.yaml").write_text(capitals_prompt(system))


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with a throwaway identity; its stdout, stripped."""
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner parses it: `name=value` lines and `name<<DELIM` … `DELIM` blocks."""
    out, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        line, i = lines[i], i + 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            out[name], i = "\n".join(block), i + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def local_run(root: Path, monkeypatch: pytest.MonkeyPatch, llm_url: str, key: str) -> None:
    """Commit `root` as `main`, and run from it as a laptop would: no CI variables, the fake LLM's URL."""
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", llm_url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", key)
