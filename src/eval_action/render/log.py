"""The run's log lines on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable

Log = Callable[[str], None]


def log_stderr(line: str) -> None:
    # every line carries a prefix, so untrusted text can never start a workflow command (`::`)
    print(f"eval-action: {line}", file=sys.stderr, flush=True)
