"""Resource bombs in a PR's files end as exit 2 naming the file, never a traceback or a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from harness_ci import OPENAI_KEY, config, make_repo, run_cli

from eval_action.inputs import template_bounds
from fakes.llm import FakeLLM

RUN_ALL = ["run", "--all", "--baseline", "none"]


def prompt(content: str, evals: str = "  cases:\n    - {vars: {q: hi}}\n") -> str:
    return (f"name: p\nprovider: default\nmessages:\n  - {{role: user, content: {json.dumps(content)}}}\n"
            f"evals:\n{evals}  scorers:\n    - {{type: contains, value: x}}\n")


def deep_row(levels: int) -> str:
    value: object = "x"
    for _ in range(levels):
        value = [value]
    return json.dumps({"vars": {"q": "hi", "n": value}}) + "\n"


@pytest.mark.parametrize(("template", "why"), [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "took over"),
    ("{{ 'x' * 3000000000 }}", "`*` building"),
    ("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}", "output over"),
    ("{{ 2 ** 99999999 }}", "exponent"),
], ids=["loops", "repeat", "output", "power"])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_template_bomb_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path, fake_llm: FakeLLM, template: str, why: str,
                                   command: str) -> None:
    monkeypatch.setattr(template_bounds, "RENDER_SECONDS", 0.5)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt(template)})
    started = time.monotonic()
    out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root,
                  RUN_ALL if command == "run" else ["validate"])
    assert time.monotonic() - started < 20
    assert out.code == 2, out.stdout + out.stderr
    [line] = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("eval-action: error: ")]
    assert "p.prompt.yaml" in line and why in line, line
    assert "Traceback" not in out.stderr
    assert fake_llm.requests == []


def test_a_deeply_nested_dataset_row_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "d.jsonl": deep_row(2) + deep_row(300),
                                "p.prompt.yaml": prompt("{{ q }}", "  dataset: d.jsonl\n")})
    out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root, RUN_ALL)
    assert out.code == 2, out.stdout + out.stderr
    assert "eval-action: error: d.jsonl:2: row nested more than 64 levels deep" in out.stderr
    assert "Traceback" not in out.stderr
