"""Errors that cross module boundaries; cli.main maps them to exit codes."""

from __future__ import annotations


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


class TargetError(Exception):
    """An infrastructure failure calling a target or grader (the case is `errored`, not failed)."""


class GitError(Exception):
    """git could not answer (missing commit, not a repository)."""
