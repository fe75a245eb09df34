"""Progress while cases run: a counter line on a terminal, one plain line per finished prompt in CI."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from eval_action.model.results import CaseResult
from eval_action.model.specs import PromptJob
from eval_action.render.log import log_stderr

_REDRAW_S = 0.1  # a terminal redrawn for every one of thousands of cases would slow the run


class Progress:
    def __init__(self, expected: dict[str, int], label: str, interactive: bool, out: TextIO | None = None) -> None:
        self._expected = expected  # prompt path -> cases (x repeats are folded in by the runner)
        self._done: Counter[str] = Counter()
        self._passed: Counter[str] = Counter()
        self._label = label
        self._out = out or sys.stderr
        self._interactive = interactive
        self._total = sum(expected.values())
        self._drawn = ""
        self._drawn_at = 0.0

    def on_case(self, job: PromptJob, case: CaseResult) -> None:
        path = job.spec.path
        self._done[path] += 1
        self._passed[path] += case.passed and not case.errored
        if self._interactive:
            self._draw()
        elif self._done[path] == self._expected.get(path, -1):
            log_stderr(f"{self._label}: {path}: {self._passed[path]}/{self._done[path]} passed", self._out)

    def _draw(self) -> None:
        done = sum(self._done.values())
        now = time.monotonic()
        if now - self._drawn_at < _REDRAW_S and done < self._total:
            return
        line = f"{self._label}: {done}/{self._total} cases, {sum(self._passed.values())} passed"
        self._out.write("\r" + line.ljust(len(self._drawn)))
        self._out.flush()
        self._drawn, self._drawn_at = line, now

    def close(self) -> None:
        if self._drawn:  # leave the terminal as it was: the summary follows
            self._out.write("\r" + " " * len(self._drawn) + "\r")
            self._out.flush()
