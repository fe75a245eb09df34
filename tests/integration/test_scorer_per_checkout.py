"""Each checkout's code scores its own answers: the head by the head's scorer, the baseline by the base's.

Before the one user-code module, a `module:function` scorer was imported once per process: with a
`command` target, the head's cases were scored by the base's `checks.py` (issue 18's repro).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from eval_action.cli import main
from support import git, local_run

PROMPT = """name: greet
provider: {type: command, command: ["PYTHON", "agent.py"]}
messages:
  - {role: user, content: "greet {{ who }}"}
evals:
  cases: [{id: a, vars: {who: Ada}}, {id: b, vars: {who: Bob}}]
  scorers:
    - {type: python, value: "checks:verdict"}
""".replace("PYTHON", sys.executable)
AGENT = "import json, sys\nprint('hello ' + json.load(sys.stdin)['vars']['who'])\n"
BASE_CHECKS = "def verdict(output, context):\n    return {'pass': False, 'score': 0, 'reason': 'BASE scorer'}\n"
HEAD_CHECKS = "def verdict(output, context):\n    return {'pass': True, 'score': 1, 'reason': 'HEAD scorer'}\n"


def test_the_head_is_scored_by_the_heads_scorer_and_the_base_by_the_bases(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text(".eval-cache/\neval-results/\n")
    (root / "greet.prompt.yaml").write_text(PROMPT)
    (root / "agent.py").write_text(AGENT)
    (root / "checks.py").write_text(BASE_CHECKS)
    local_run(root, monkeypatch, "http://127.0.0.1:9", "sk-unused-000000")
    git(root, "checkout", "-qb", "feature")
    (root / "checks.py").write_text(HEAD_CHECKS)
    git(root, "commit", "-qam", "a kinder scorer")
    assert main(["run", "--base", "main"]) == 0
    prompt = json.loads((root / "eval-results/results.json").read_text())["prompts"][0]
    assert {c["scores"]["python"]["reason"] for c in prompt["cases"]} == {"HEAD scorer"}
    assert {c["baseline"]["scores"]["python"]["reason"] for c in prompt["cases"]} == {"BASE scorer"}
    assert prompt["pass_rate"] == 100.0 and prompt["baseline_pass_rate"] == 0.0
