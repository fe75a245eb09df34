from __future__ import annotations

import os
import time
from pathlib import Path

from eval_action.inputs.prompts import find_prompt_files
from eval_action.inputs.prompts.files import scan_tree
from eval_action.model.specs import DEFAULT_PROMPT_GLOBS


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_default_globs_match_at_root_and_below_and_skip_tool_folders(tmp_path: Path) -> None:
    touch(tmp_path, "root.prompt.yaml", "a/b/deep.prompt.md", "x.prompt.mdx", "p/q.prompty", "p/q.yaml",
          ".git/x.prompt.yaml", "node_modules/m/x.prompt.yaml", ".venv/lib/x.prompty",
          ".eval-cache/x.prompt.yaml", "web/node_modules/y.prompt.md")
    assert find_prompt_files(tmp_path, DEFAULT_PROMPT_GLOBS) == [
        "a/b/deep.prompt.md", "p/q.prompty", "root.prompt.yaml", "x.prompt.mdx"]


def test_glob_syntax(tmp_path: Path) -> None:
    touch(tmp_path, "prompts/a.prompt.yaml", "prompts/sub/b.prompt.yaml", "prompts/c.prompt.md",
          "other/d.prompt.yaml", "e1.prompty", "e22.prompty")
    assert find_prompt_files(tmp_path, ["prompts/*.prompt.yaml"]) == ["prompts/a.prompt.yaml"]
    assert find_prompt_files(tmp_path, ["./prompts/**/*.prompt.{yaml,md}"]) == [
        "prompts/a.prompt.yaml", "prompts/c.prompt.md", "prompts/sub/b.prompt.yaml"]
    assert find_prompt_files(tmp_path, ["e?.prompty", "[o]ther/**"]) == ["e1.prompty", "other/d.prompt.yaml"]
    assert find_prompt_files(tmp_path, ["*.prompt.yaml"]) == []  # no `**/`: root only, as in glob
    assert find_prompt_files(tmp_path, []) == []


def test_custom_cache_dir_is_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "build/cache/x.prompt.yaml", "build/y.prompt.yaml")
    found = find_prompt_files(tmp_path, ["**/*.prompt.yaml"], cache_dir="build/cache")
    assert found == ["build/y.prompt.yaml"]


def test_many_files_is_fast(tmp_path: Path) -> None:
    for d in range(100):
        folder = tmp_path / f"d{d}"
        folder.mkdir()
        for f in range(50):
            (folder / (f"f{f}.prompt.yaml" if f == 0 else f"f{f}.py")).write_text("")
    started = time.monotonic()
    found = find_prompt_files(tmp_path, DEFAULT_PROMPT_GLOBS)
    assert len(found) == 100
    assert time.monotonic() - started < 1


def test_symlinks_are_listed_and_linked_folders_not_entered(tmp_path: Path) -> None:
    touch(tmp_path, "shared/a.prompt.yaml", "data/real.jsonl")
    os.symlink("shared", tmp_path / "linked")
    os.symlink("real.jsonl", tmp_path / "data/alias.jsonl")
    os.symlink("a.prompt.yaml", tmp_path / "shared/b.prompt.yaml")
    tree = scan_tree(tmp_path, DEFAULT_PROMPT_GLOBS)
    assert tree.prompts == ["shared/a.prompt.yaml", "shared/b.prompt.yaml"]  # as os.walk: files, not folders
    assert tree.symlinks == ["data/alias.jsonl", "linked", "shared/b.prompt.yaml"]
