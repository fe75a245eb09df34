"""Progress while cases run: a bar on a terminal, one plain line per finished prompt in CI."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

from eval_action.models import CaseResult
from eval_action.runner import PromptJob


class Progress:
    def __init__(self, expected: dict[str, int], label: str, interactive: bool, out: TextIO | None = None) -> None:
        self._expected = expected  # prompt path -> cases (x repeats are folded in by the runner)
        self._done: Counter[str] = Counter()
        self._passed: Counter[str] = Counter()
        self._label = label
        self._out = out or sys.stderr
        self._bar = None
        if interactive:
            from rich.progress import Progress as Bar  # imported lazily: start-up time matters in CI

            self._bar = Bar(transient=True, console=None)
            self._task = self._bar.add_task(label, total=sum(expected.values()))
            self._bar.start()

    def on_case(self, job: PromptJob, case: CaseResult) -> None:
        path = job.spec.path
        self._done[path] += 1
        self._passed[path] += case.passed and not case.errored
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self._done[path] == self._expected.get(path, -1):
            print(f"{self._label}: {path}: {self._passed[path]}/{self._done[path]} passed", file=self._out,
                  flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
