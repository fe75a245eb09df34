"""Bounds on rendering a template: a PR's template must not hang the job or fill its memory.

`{{ 'x' * 3000000000 }}` is one C-level operation, so sizes are checked before `*`/`**` run;
`{% for i in range(100000) %}{% for j in range(100000) %}` is Python-level looping, so a
deadline interrupts it; and the output is collected chunk by chunk up to a cap.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

RENDER_SECONDS = 10.0
MAX_ITEMS = 1_000_000  # characters of a string, items of a list, that `*` may build
MAX_OUTPUT_CHARS = 10_000_000
_MAX_EXPONENT = 1024


class TemplateTooBig(Exception):
    """A template went over one of the bounds; the message says which."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT:
            raise TemplateTooBig(f"`**` with an exponent over {_MAX_EXPONENT}")
        if operator == "*" and _product_size(left, right) > MAX_ITEMS:
            raise TemplateTooBig(f"`*` building more than {MAX_ITEMS:,} characters or items")
        return super().call_binop(context, operator, left, right)


def _product_size(left: Any, right: Any) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(times, int):
            return len(seq) * times
    return 0


def collect(chunks: Iterable[str]) -> str:
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateTooBig(f"output over {MAX_OUTPUT_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


@contextlib.contextmanager
def deadline(seconds: float | None = None) -> Iterator[None]:
    """Interrupt Python-level loops after `seconds` (SIGALRM: the main thread only, where we render)."""
    seconds = RENDER_SECONDS if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TemplateTooBig(f"rendering took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
