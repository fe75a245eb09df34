"""Errors that cross module boundaries, and the exit codes cli.main maps them to (SPEC §8)."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager


class ExitCode(enum.IntEnum):
    OK = 0  # success, or any outcome in informational mode
    GATE = 1  # a gate failed (blocking)
    INPUT = 2  # bad configuration or input
    INFRA = 3  # infrastructure failure (blocking), or a cancelled run
    BUG = 4  # eval-action itself failed: never a gate verdict
    INTERRUPTED = 130  # Ctrl-C before anything could be reported


class UserError(Exception):
    """Bad configuration or input (exit 2). The message is the guidance: what and how to fix."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class UserErrors(UserError):
    """Several input problems reported at once (validate lists them all)."""

    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def flatten(error: UserError) -> list[UserError]:
    """The single problems inside `error`, however deeply UserErrors nest."""
    if isinstance(error, UserErrors):
        return [one for e in error.errors for one in flatten(e)]
    return [error]


class Problems:
    """The one collector of configuration problems: every check of a run (or of `validate`) adds to
    it, so a user sees all that needs fixing at once, and nothing runs while any is left."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, error: UserError) -> None:
        self.errors += [e for e in flatten(error) if str(e) not in {str(old) for old in self.errors}]

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Record a UserError raised inside and carry on after the block."""
        try:
            yield
        except UserError as e:
            self.add(e)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else UserErrors(list(self.errors))


def messages(e: UserError) -> list[str]:
    """One line per problem, so each can be printed (and escaped) as a line of its own."""
    return [str(x) for x in flatten(e)]


class TargetError(Exception):
    """An infrastructure failure calling a target or grader (the case is `errored`, not failed)."""


class GitError(Exception):
    """git could not answer (missing commit, not a repository)."""


def last_line(e: BaseException) -> str:
    """The exception's type and the last non-blank line of its message: one line for a reason."""
    lines = [line for line in str(e).splitlines() if line.strip()]
    return f"{type(e).__name__}: {lines[-1].strip()}" if lines else type(e).__name__
