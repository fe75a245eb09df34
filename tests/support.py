"""Small helpers many tests share: git in a temp repository, and GITHUB_OUTPUT as the runner reads it."""

from __future__ import annotations

import subprocess
from pathlib import Path


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
