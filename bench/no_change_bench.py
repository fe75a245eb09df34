"""Time `eval-action run` end to end when a change touches no prompt (run by hand, not in CI).

Builds a git repository of 50,000 files: 5,000 real prompt files sharing 200 JSONL datasets,
the rest source files. Commits, changes 20 source files on a branch, then times the whole
`eval-action run --base main --dry-run` and the no-change `eval-action run --base main`; then
changes 20 shared datasets and times the `--dry-run` that selects their 500 users.

    python bench/no_change_bench.py [--against OTHER/bin/eval-action]

`--against` times another installation (an older commit, say) on the same repository, runs
alternating, and prints this one's time as a ratio of the other's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES, PROMPTS, DATASETS, CHANGED = 50_000, 5_000, 200, 20
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
PROMPT = """name: p{i}
provider: default
messages:
  - {{role: user, content: "{{{{ q }}}}"}}
evals:
  dataset: ../data/d{d}.jsonl
  scorers:
    - {{type: contains, value: "{{{{ expected }}}}"}}
"""


def build(root: Path) -> None:
    (root / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: m, base_url: "
                                           "'http://127.0.0.1:9/v1', api_key_env: NONE}\n")
    for d in range(DATASETS):
        path = root / f"prompts/data/d{d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps({"vars": {"q": f"q{d}-{k}"}, "expected": "x"}) + "\n" for k in range(5)))
    for i in range(PROMPTS):
        path = root / f"prompts/team{i % 50}/p{i}.prompt.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PROMPT.format(i=i, d=i % DATASETS))
    for i in range(FILES - PROMPTS - DATASETS):
        path = root / f"src/mod{i % 100}/f{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"X = {i}\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "base"], check=True)
    subprocess.run([*GIT, "-C", str(root), "checkout", "-qb", "feature"], check=True)
    for i in range(CHANGED):
        (root / f"src/mod{i}/f{i}.py").write_text("X = 'changed'\n")
    subprocess.run([*GIT, "-C", str(root), "commit", "-qam", "unrelated change"], check=True)


def timed(root: Path, exe: str, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([exe, "run", "--base", "main", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "CI": "true"})
    return time.perf_counter() - start


def medians(root: Path, exes: list[str], *args: str, runs: int = 5) -> list[float]:
    walls: list[list[float]] = [[] for _ in exes]
    for _ in range(runs):  # alternate, so a noisy moment hits both
        for i, exe in enumerate(exes):
            walls[i].append(timed(root, exe, *args))
    return [statistics.median(w) for w in walls]


def report(label: str, times: list[float]) -> None:
    line = f"{label}: {times[0]:.2f} s"
    if len(times) > 1:
        line += f" (other: {times[1]:.2f} s, ratio {times[0] / times[1]:.2f})"
    print(line + " — median of 5, whole process")


def stages(root: Path) -> None:
    """Selection's own stages in this process (imports done, git excluded), medians of 5."""
    from eval_action.inputs.config import load_config
    from eval_action.inputs.prompts.files import scan_tree
    from eval_action.selection import plan as planning
    from eval_action.selection import prefilter
    from eval_action.selection.changes import changed_files
    from eval_action.selection.discovery import select

    change = changed_files(root, "main", "HEAD", lambda _: None)
    walls: dict[str, list[float]] = {name: [] for name in ("config", "walk", "prefilter", "load", "select")}
    for _ in range(5):
        marks = [time.perf_counter()]
        config = load_config(root)
        marks.append(time.perf_counter())
        tree = scan_tree(root, config.prompts)
        marks.append(time.perf_counter())
        paths = prefilter.candidates(change, tree, root, config, root / "eval-action.yaml", "eval-action.yaml")
        marks.append(time.perf_counter())
        specs = planning.load_specs(root, config, paths)
        marks.append(time.perf_counter())
        picked = select(change.files, list(specs.values()), config, config)
        marks.append(time.perf_counter())
        for name, begin, end in zip(walls, marks, marks[1:], strict=False):
            walls[name].append(end - begin)
    ms = {k: statistics.median(v) * 1000 for k, v in walls.items()}
    print(f"selection stages, in process: {sum(ms.values()):.0f} ms for {len(picked.selected)} of "
          f"{len(tree.prompts):,} prompts, {len(paths)} loaded (" + ", ".join(f"{k} {v:.0f} ms" for k, v in ms.items())
          + ")")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", help="another eval-action executable to time side by side")
    options = parser.parse_args()
    exes = [str(Path(sys.executable).parent / "eval-action"), *([options.against] if options.against else [])]
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        start = time.perf_counter()
        build(root)
        print(f"built {FILES} files, {PROMPTS} prompts in {time.perf_counter() - start:.1f} s")
        report("no-change `eval-action run --base main`", medians(root, exes))
        report("no-change `eval-action run --base main --dry-run`", medians(root, exes, "--dry-run"))
        for k in range(CHANGED):
            with open(root / f"prompts/data/d{k}.jsonl", "a") as f:
                f.write(json.dumps({"vars": {"q": "new"}, "expected": "x"}) + "\n")
        subprocess.run([*GIT, "-C", str(root), "commit", "-qam", "20 datasets"], check=True)
        report("`--dry-run` after 20 dataset changes (selects 500 of 5,000 prompts)",
               medians(root, exes, "--dry-run"))
        stages(root)


if __name__ == "__main__":
    main()
