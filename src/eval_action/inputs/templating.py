"""Jinja2 in a sandbox: prompt files come from PR authors, so templates may not reach Python internals.

An undefined variable is an error naming the file and the variable, never an empty string.
`{% include %}`/`{% import %}` resolve relative to the repository root and may not leave it, nor
read `.git/`: every name, literal or computed while rendering, goes through the one path check.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from eval_action.inputs.paths import resolve_inside
from eval_action.inputs.template_bounds import BoundedSandbox, TemplateTooBig, collect, deadline
from eval_action.inputs.yamlio import read_text, show
from eval_action.model.errors import UserError
from eval_action.model.specs import Case, Message, PromptSpec

_STRING_RE = re.compile(r"\{\{|\{%|\{#")


class _RepoLoader(jinja2.BaseLoader):
    """Templates by repository-relative name. A computed name (`{% include 'notes' ~ '.txt' %}`) is
    only known while rendering, so the containment check runs here, for every load, not at load time
    alone: a committed symlink to `/proc/self/environ` or a `.git/config` holding the checkout token
    would otherwise land in the request and the comment."""

    def __init__(self, repo_root: Path) -> None:
        self._root = repo_root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = resolve_inside(self._root, self._root, template, source=template, line=None)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        mtime = path.stat().st_mtime
        return read_text(path, template), str(path), lambda: path.stat().st_mtime == mtime


@functools.lru_cache(maxsize=64)
def environment(repo_root: Path) -> ImmutableSandboxedEnvironment:
    return BoundedSandbox(
        undefined=jinja2.StrictUndefined,
        loader=_RepoLoader(repo_root),
        autoescape=False,
        keep_trailing_newline=True,
    )


@functools.lru_cache(maxsize=4096)
def _compile(repo_root: Path, source: str) -> jinja2.Template:
    return environment(repo_root).from_string(source)


def case_context(case: Case) -> dict[str, Any]:
    """Variables a template sees: the case's vars, plus `expected`, `vars` and AgentMark's `props`."""
    ctx: dict[str, Any] = dict(case.vars)
    if case.expected is not None:  # absent, it is undefined: "{{ expected }}" must not read "None"
        ctx.setdefault("expected", case.expected)
    ctx.setdefault("vars", case.vars)
    ctx.setdefault("props", case.vars)
    ctx.setdefault("case_id", case.id)
    return ctx


def render(source: str, context: dict[str, Any], repo_root: Path, where: str, line: int | None = None,
           row: str | None = None) -> str:
    """Render one template string; `where` ("path" or "path:line") names it in errors, `line` is the
    file line the template starts on and `row` the dataset row ("data.jsonl:3") it is rendered for."""
    if not _STRING_RE.search(source):
        return source
    try:
        with deadline():
            return collect(_compile(repo_root, source).generate(context))
    except TemplateTooBig as e:
        raise UserError(f"template too expensive to render: {e} — keep loops and repeats small", where) from None
    except jinja2.UndefinedError as e:
        at = _template_line(e.__traceback__)
        for_row = f" for the row at {row}" if row else ""
        raise UserError(f"template uses an undefined variable ({e.message}){for_row} — add it to that row's "
                        "vars or guard it with `{% if x is defined %}`", where,
                        line + at - 1 if line and at else line) from None
    except SecurityError as e:
        raise UserError(f"template refused by the sandbox ({e}) — templates may only use data, "
                        "not Python internals", where) from None
    except jinja2.TemplateNotFound as e:
        raise UserError(f"template includes {e.name!r}, which does not exist — paths are relative "
                        "to the repository root", where) from None
    except jinja2.TemplateSyntaxError as e:
        raise UserError(f"template syntax error: {e.message} — check the braces", where, e.lineno) from None
    except RecursionError:
        raise UserError("templates include each other in a loop — break the cycle", where) from None
    except UserError as e:  # an include the path check refused
        raise UserError(f"template includes {show(e.path)}: {e.message}", where) from None


def render_value(value: Any, context: dict[str, Any], repo_root: Path, where: str) -> Any:
    """Render every string inside a scorer option (strings, lists, dicts)."""
    if isinstance(value, str):
        return render(value, context, repo_root, where)
    if isinstance(value, list):
        return [render_value(v, context, repo_root, where) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, context, repo_root, where) for k, v in value.items()}
    return value


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line an error was raised on: Jinja rewrites the traceback with a `<template>` frame."""
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def render_messages(spec: PromptSpec, case: Case, repo_root: Path) -> list[Message]:
    ctx = case_context(case)
    where = f"{spec.path} (case {case.id})"
    lines = spec.message_lines or [None] * len(spec.messages)
    own = [Message(role=m.role, content=render(m.content, ctx, repo_root, spec.path if line else where, line,
                                               case.source or f"case {case.id}"))
           for m, line in zip(spec.messages, lines, strict=False)]
    return own + case.messages  # a case's turns are data: sent as written


@functools.lru_cache(maxsize=4096)
def _parse(repo_root: Path, source: str) -> jinja2.nodes.Template:
    return environment(repo_root).parse(source)


def check_syntax(source: str, repo_root: Path, where: str) -> None:
    if not _STRING_RE.search(source):
        return
    try:
        _parse(repo_root, source)
    except jinja2.TemplateSyntaxError as e:
        raise UserError(f"template syntax error: {e.message} — check the braces", where, e.lineno) from None


def referenced_templates(source: str, repo_root: Path) -> list[str]:
    """Files named by `{% include %}`/`{% import %}`/`{% extends %}` with literal names."""
    if "{%" not in source:
        return []
    try:
        ast = _parse(repo_root, source)
    except jinja2.TemplateSyntaxError:
        return []
    return sorted(n for n in meta.find_referenced_templates(ast) if n)
