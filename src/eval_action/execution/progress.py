"""Progress while cases run, for the baseline (`base`) and the change (`head`) alike.

On a terminal: a counter line redrawn at most every 0.1 s (`base: 120/300 cases, 118 passed`), and
one lasting line per finished phase. In a CI log, which has no carriage returns: a line when a phase
starts, one per finished prompt, one every ~10 s in between (so a slow baseline never looks like a
hung job), and one when the phase ends. Nothing is printed per case in CI: a 5,000-case run would
bury its own results.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from eval_action.model.results import CaseResult
from eval_action.model.specs import PromptJob
from eval_action.render.log import log_stderr

_REDRAW_S = 0.1  # a terminal redrawn for every one of thousands of cases would slow the run
TICK_S = 10.0
PHASES = {"base": "the base revision, to compare with", "head": "this change"}


@dataclass
class _Phase:
    expected: dict[str, int]  # prompt path -> cases (repeats are folded in by the runner)
    done: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    started: float | None = None
    finished: bool = False

    @property
    def total(self) -> int:
        return sum(self.expected.values())

    def count(self) -> str:
        done, passed = sum(self.done.values()), sum(self.passed.values())
        return f"{done:,}/{self.total:,} cases, {passed:,} passed"


class Progress:
    def __init__(self, expected: dict[str, dict[str, int]], interactive: bool, out: TextIO | None = None,
                 tick_s: float = TICK_S) -> None:
        self._phases = {name: _Phase(cases) for name, cases in expected.items() if cases}
        self._out = out or sys.stderr
        self._interactive = interactive
        self._tick_s = tick_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._drawn = ""
        self._drawn_at = 0.0
        self._began = time.monotonic()  # one clock for every line: base and head share one pool

    def start(self) -> None:
        """Before the first call: in CI, say what will run and start the ~10 s lines, so a slow first
        case (an agent, a long timeout) never leaves the log silent."""
        if self._interactive:
            return
        with self._lock:
            for phase, state in self._phases.items():
                self._start(phase, state)

    def on_case(self, phase: str, job: PromptJob, case: CaseResult) -> None:
        state = self._phases.get(phase)
        if state is None:
            return
        path = job.spec.path
        with self._lock:
            self._start(phase, state)
            state.done[path] += 1
            state.passed[path] += case.passed and not case.errored
            if not self._interactive and state.done[path] == state.expected.get(path, -1):
                self._line(f"{phase}: {path}: {state.passed[path]}/{state.done[path]} passed")
            if sum(state.done.values()) == state.total:
                self._finish(phase, state)
            elif self._interactive:
                self._draw()

    def _finish(self, phase: str, state: _Phase) -> None:
        """A finished phase stays on the screen as one line; the live line goes on below it."""
        elapsed = time.monotonic() - self._began
        state.finished = True
        if self._interactive:
            self._out.write("\r" + " " * len(self._drawn) + "\r")
            self._drawn, self._drawn_at = "", 0.0
        self._line(f"{phase}: {state.count()} · done at {elapsed:.0f} s")
        if self._interactive:
            self._draw()

    def _start(self, phase: str, state: _Phase) -> None:
        if state.started is not None:
            return
        state.started = time.monotonic()
        if not self._interactive:
            self._line(f"{phase}: {_plural(state.total, 'case')} of {_plural(len(state.expected), 'prompt')} "
                       f"({PHASES.get(phase, phase)})")
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="eval-action-progress", daemon=True)
                self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self._tick_s):
            with self._lock:
                running = [(name, s) for name, s in self._phases.items() if s.started is not None and not s.finished]
                # a phase still waiting for its first answer (head behind base in one pool) adds no line
                moving = [(name, s) for name, s in running if s.done] or running[:1]
                for phase, state in moving:
                    self._line(f"{phase}: {state.count()} · {time.monotonic() - self._began:.0f} s")

    def _line(self, text: str) -> None:
        log_stderr(text, self._out)  # prefixed and escaped: a prompt path is the PR author's text

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self._drawn_at < _REDRAW_S:
            return
        live = [(name, s) for name, s in self._phases.items() if s.started is not None and not s.finished]
        line = " · ".join(f"{name}: {s.count()}" for name, s in live)
        if line or self._drawn:
            self._out.write("\r" + line.ljust(len(self._drawn)))
            self._out.flush()
        self._drawn, self._drawn_at = line, now

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._drawn:  # leave the terminal as it was: the summary follows
            self._out.write("\r" + " " * len(self._drawn) + "\r")
            self._out.flush()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"
