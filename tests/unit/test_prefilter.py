"""The no-change fast path: a change none of whose names any prompt or the config mentions is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.changes import ChangeSet, FileChange
from eval_action.models import Config, ProviderSpec, Trigger
from eval_action.prefilter import could_affect

PROMPT = "name: p\nmessages: [{role: user, content: '{{ q }}'}]\nevals: {dataset: data/shared.jsonl}\n"
CONFIG = "providers:\n  agent: {type: python, function: 'agent.tools:run'}\n"


def changes(*paths: str) -> ChangeSet:
    return ChangeSet(base="a" * 40, head="b" * 40, merge_base="a" * 40,
                     files=[FileChange(status="M", path=p) for p in paths], notes=[])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts/p.prompt.yaml").write_text(PROMPT)
    (tmp_path / "eval-action.yaml").write_text(CONFIG)
    return tmp_path


CONFIG_MODEL = Config(providers={"agent": ProviderSpec(type="python", function="agent.tools:run")},
                      triggers=[Trigger(when="src/agent/**", run="prompts/**")])


@pytest.mark.parametrize(("paths", "relevant"), [
    ((), False),
    (("README.md", "docs/guide.md"), False),
    (("prompts/data/shared.jsonl",), True),  # named by a prompt
    (("agent/tools/search.py",), True),  # a file of a package the config names as a module
    (("prompts/p.prompt.yaml",), True),  # a prompt file itself
    (("prompts/new.prompt.md",), True),  # matches the prompt globs: a new or deleted prompt
    (("eval-action.yaml",), True),
    (("src/agent/loop.py",), True),  # under a trigger
])
def test_could_affect(root: Path, paths: tuple[str, ...], relevant: bool) -> None:
    assert could_affect(changes(*paths), root, ["prompts/p.prompt.yaml"], CONFIG_MODEL, "eval-action.yaml") is relevant
