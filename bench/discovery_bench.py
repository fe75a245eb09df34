"""Time change detection and selection on a large repository (run by hand, not in CI).

Builds a git repository of 50,000 files holding 5,000 prompt files that share 200 datasets,
changes 20 files in one commit, then times `changed_files` (git) and `select` (pure).

    python bench/discovery_bench.py
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from eval_action.model.specs import Config, Dependency, Message, PromptSpec, ProviderSpec, Trigger
from eval_action.selection.changes import changed_files
from eval_action.selection.discovery import select

FILES = 50_000
PROMPTS = 5_000
DATASETS = 200
CHANGED = 20
_GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]


def _layout() -> tuple[list[str], list[PromptSpec]]:
    prompts = [f"prompts/team{i % 50}/p{i}.prompt.yaml" for i in range(PROMPTS)]
    datasets = [f"prompts/data/d{i}.jsonl" for i in range(DATASETS)]
    sources = [f"src/mod{i % 100}/f{i}.py" for i in range(FILES - PROMPTS - DATASETS)]
    specs = [
        PromptSpec(
            path=path,
            name=f"p{i}",
            kind="yaml",
            provider_name="default",
            provider=ProviderSpec(type="openai", model="gpt-4o-mini"),
            messages=[Message(role="user", content="{{ q }}")],
            cases=[],
            scorers=[],
            dependencies=[
                Dependency(path=datasets[i % DATASETS], kind="dataset"),
                Dependency(path=f"src/mod{i % 100}/", kind="target"),
            ],
        )
        for i, path in enumerate(prompts)
    ]
    return [*prompts, *datasets, *sources], specs


def _build_repo(root: Path, files: list[str]) -> str:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for rel in files:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{rel}\n")
    subprocess.run([*_GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*_GIT, "-C", str(root), "commit", "-q", "-m", "base"], check=True)
    base = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    # Spread the change over kinds: sources, one dataset, one prompt.
    for rel in [*files[-(CHANGED - 2) :], files[PROMPTS], files[0]]:
        (root / rel).write_text("changed\n")
    subprocess.run([*_GIT, "-C", str(root), "commit", "-q", "-am", "change"], check=True)
    return base


def main() -> None:
    files, specs = _layout()
    config = Config(triggers=[Trigger(when="src/mod99/**", run="prompts/team7/**")])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        start = time.perf_counter()
        base = _build_repo(root, files)
        print(f"built {len(files):,} files in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        change = changed_files(root, base)
        print(f"changed_files: {len(change.files)} files in {(time.perf_counter() - start) * 1000:.1f} ms")
    start = time.perf_counter()
    selection = select(change.files, specs, config, config)
    elapsed = (time.perf_counter() - start) * 1000
    print(f"select: {len(selection.selected):,} of {len(specs):,} prompts in {elapsed:.1f} ms")


if __name__ == "__main__":
    main()
