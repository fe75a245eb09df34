"""A response cache the pull request brings can't answer the eval: not through pathspec magic, not
behind a committed symlink, and `cache.dir` can't point outside the work tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_cli_run import repo, results  # noqa: F401  (the fixture)

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import git

RUN = ["run", "--all", "--baseline", "none"]


def plant(repo: Path, fake_llm: FakeLLM, cache_dir: str, commit_as: str) -> None:
    """Fill `cache_dir` with right answers, commit them at `commit_as`, then make the model wrong."""
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           f"cache: {{dir: '{cache_dir}'}}\n")
    assert main(RUN) == 0
    if commit_as != cache_dir:
        shutil.move(repo / cache_dir, repo / commit_as)
    git(repo, "add", "-f", "-A")
    git(repo, "commit", "-qm", "plant cached answers")
    fake_llm.respond_with(lambda body: "Atlantis")


def test_pathspec_magic_cannot_hide_a_committed_cache(repo: Path, fake_llm: FakeLLM) -> None:
    plant(repo, fake_llm, "planted", "planted")
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "cache: {dir: ':(attr:nosuchattr)planted'}\n")
    os.rename(repo / "planted", repo / ":(attr:nosuchattr)planted")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rename")
    before = len(fake_llm.requests)
    assert main(RUN) == 1
    assert len(fake_llm.requests) == before + 8


def test_a_cache_behind_a_committed_symlink_is_not_trusted(repo: Path, fake_llm: FakeLLM) -> None:
    plant(repo, fake_llm, "real/inner", "real/inner")
    os.symlink("real", repo / "cachelink")
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "cache: {dir: cachelink/inner}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    before = len(fake_llm.requests)
    assert main(RUN) == 1
    assert len(fake_llm.requests) == before + 8
    assert any("committed to the repository" in n for n in results(repo)["notes"])


@pytest.mark.parametrize("where", ["../outside-cache", "/tmp/eval-action-abs-cache"])
def test_cache_dir_outside_the_work_tree_is_refused(repo: Path, fake_llm: FakeLLM,
                                                    capsys: pytest.CaptureFixture[str], where: str) -> None:
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           f"cache: {{dir: '{where}'}}\n")
    assert main(RUN) == 2
    assert "eval-action.yaml" in capsys.readouterr().err
    assert not (repo.parent / "outside-cache").exists()
    assert fake_llm.requests == []
