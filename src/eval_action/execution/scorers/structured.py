"""Checks on structured output: JSON validity, JSON Schema, JSON paths and numbers."""

from __future__ import annotations

import functools
import json
import math
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval_action.execution.scorers._common import (
    as_text,
    fmt,
    is_templated,
    number,
    output_starts,
    quote,
    user_regex,
    value_or_expected,
    verdict,
)
from eval_action.execution.scorers._json import find_json, first_json, parse_whole
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.inputs import valuefiles
from eval_action.inputs.paths import existing_file_inside
from eval_action.inputs.yamlio import load_yaml
from eval_action.model.errors import UserError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

if TYPE_CHECKING:
    import jsonschema
    from jsonpath_ng import JSONPath

_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


# ---------------------------------------------------------------- schemas
def load_schema(value: Any, prompt_dir: Path, repo_root: Path) -> dict[str, Any]:
    """An inline mapping, a schema written as YAML/JSON text (promptfoo), or `[file://]schema.json|yaml`
    (a `file://` value arrives read: the registry reads every one)."""
    if isinstance(value, dict):
        return _checked(json.dumps(value, sort_keys=True), "inline schema")
    if not isinstance(value, str) or not value:
        raise UserError("the schema must be a mapping or the path of a .json/.yaml file next to the prompt")
    name = value.removeprefix(valuefiles.PREFIX)
    if name == value and ("\n" in value or value.lstrip().startswith("{")):
        return _checked(json.dumps(load_yaml(value, "inline schema").data, sort_keys=True), "inline schema")
    path = existing_file_inside(repo_root, prompt_dir, name)
    return _checked(json.dumps(valuefiles.load(valuefiles.PREFIX + name, prompt_dir, repo_root), sort_keys=True),
                    path.name)


@functools.lru_cache(maxsize=64)
def _checked(canonical: str, where: str) -> dict[str, Any]:
    schema = json.loads(canonical)
    if not isinstance(schema, dict):
        raise UserError(f"{where} is not a JSON Schema object — write a mapping such as {{type: object}}")
    import jsonschema  # here, not at the top: it costs every run ~50 ms of start-up, and few use it

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as e:
        raise UserError(f"{where} is not a valid JSON Schema: {e.message} — fix the schema") from None
    return schema


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    """`format` is enforced, as promptfoo's ajv-formats does; date-time and uri are checked here
    because jsonschema leaves them to optional packages."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


_DATE_TIME_RE = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)")
_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME_RE.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI_RE.fullmatch(value))


def schema_mismatch(data: Any, schema: dict[str, Any]) -> str | None:
    """The most relevant validation error as one line, or None when `data` conforms."""
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=_format_checker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    return f"at {error.json_path}: {error.message[:120]}"


def _runtime_schema(spec: ScorerSpec, ctx: ScoreContext) -> dict[str, Any]:
    try:
        return load_schema(spec.value, ctx.prompt_dir, ctx.repo_root)
    except UserError as e:
        raise ScorerError(e.message) from None


# ---------------------------------------------------------------- JSON scorers
async def is_json(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    ok, data = parse_whole(ctx.output.strip())
    if not ok:
        return verdict(False, "", f"output is not valid JSON; {output_starts(ctx.output)}")
    if spec.value is None:
        return verdict(True, "output is valid JSON", "")
    problem = schema_mismatch(data, _runtime_schema(spec, ctx))
    return verdict(problem is None, "output is JSON matching the schema",
                   f"JSON does not match the schema {problem}")


async def contains_json(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    candidates = list(find_json(ctx.output))
    if not candidates:
        return verdict(False, "", f"no JSON object or array found; {output_starts(ctx.output)}")
    if spec.value is None:
        return verdict(True, "contains JSON", "")
    schema = _runtime_schema(spec, ctx)
    problems = [schema_mismatch(c, schema) for c in candidates]
    return verdict(None in problems, "contains JSON matching the schema",
                   f"no JSON in the output matches the schema; first: {problems[0]}")


async def json_schema(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    schema = _runtime_schema(spec, ctx)
    ok, data = first_json(ctx.output)
    if not ok:
        return verdict(False, "", f"no JSON to check against the schema; {output_starts(ctx.output)}")
    problem = schema_mismatch(data, schema)
    return verdict(problem is None, "JSON matches the schema", f"JSON does not match the schema {problem}")


@functools.lru_cache(maxsize=256)
def _compile_path(path: str) -> JSONPath:
    from jsonpath_ng.ext.parser import parse  # here: its parser tables cost start-up, and few use it

    try:
        return parse(path)
    except Exception as e:  # jsonpath-ng raises bare Exceptions from its lexer and parser
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ScorerError(f"invalid JSON path {path!r}: {first} — write e.g. `$.city`") from None


def _path_option(spec: ScorerSpec) -> str:
    path = spec.options.get("path")
    if not isinstance(path, str) or not path:
        raise ScorerError(f"{spec.type} needs a `path:` option such as `$.city`")
    return path


async def json_path(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    path = _path_option(spec)
    ok, data = first_json(ctx.output)
    if not ok:
        return verdict(False, "", f"output has no JSON to read {path} from; {output_starts(ctx.output)}")
    matches = [m.value for m in _compile_path(path).find(data)]
    if not matches:
        return verdict(False, "", f"{path} not found in the output JSON")
    actual = matches[0] if len(matches) == 1 else matches
    pattern = spec.options.get("pattern")
    if pattern is not None:
        hit = user_regex(as_text(pattern)).search(as_text(actual)) is not None
        return verdict(hit, f"{path} matches /{pattern}/",
                       f"{path} is {quote(as_text(actual))}, which does not match /{pattern}/")
    if spec.value is None:
        return verdict(True, f"{path} exists", "")
    same = actual == spec.value or (isinstance(spec.value, str) and as_text(actual) == spec.value)
    return verdict(same, f"{path} equals {quote(as_text(spec.value))}",
                   f"{path} is {quote(as_text(actual))}, expected {quote(as_text(spec.value))}")


# ---------------------------------------------------------------- numbers
def _extract_number(spec: ScorerSpec, output: str) -> float:
    """The number the answer gives: at `path` in its JSON, the whole answer, or its only number."""
    if "path" in spec.options:
        ok, data = first_json(output)
        matches = [m.value for m in _compile_path(_path_option(spec)).find(data)] if ok else []
        if not matches:
            raise ValueError(f"no value at {spec.options['path']} in the output JSON")
        return number(matches[0], f"the value at {spec.options['path']}")
    text = _THOUSANDS_RE.sub("", output.strip())
    found = _NUMBER_RE.findall(text)
    if len(found) == 1:
        return float(found[0])
    what = "no number" if not found else f"{len(found)} numbers ({', '.join(found[:4])})"
    raise ValueError(f"output has {what} — answer with one number, or set `path:` to read it from JSON")


async def close_to(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """Numeric equality within an absolute `tolerance` (default 0, with float rounding forgiven)."""
    want = number(value_or_expected(spec, ctx), "value")
    tolerance = number(spec.options.get("tolerance", 0), "tolerance")
    try:
        got = _extract_number(spec, ctx.output)
    except ValueError as e:
        return verdict(False, "", f"{e}; {output_starts(ctx.output)}")
    close = math.isclose(got, want, rel_tol=1e-9, abs_tol=tolerance)
    return verdict(close, f"{fmt(got)} is within {fmt(tolerance)} of {fmt(want)}",
                   f"expected {fmt(want)} ± {fmt(tolerance)}; got {fmt(got)}")


# ---------------------------------------------------------------- static checks
def _validate_schema(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if spec.value is None:
        return [] if spec.type != "json-schema" else ["json-schema needs `value:` — an inline schema "
                                                      "or the path of a .json/.yaml schema file"]
    if is_templated(spec.value):
        return []
    try:
        load_schema(spec.value, prompt_dir, repo_root)
    except UserError as e:
        return [e.message]
    return []


def _validate_json_path(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    try:
        path = _path_option(spec)
        if not is_templated(path):
            _compile_path(path)
        if spec.options.get("pattern") is not None and not is_templated(spec.options["pattern"]):
            try:
                user_regex(as_text(spec.options["pattern"]))
            except ScorerError as e:
                raise ScorerError(f"`pattern:` {e}") from None
    except ScorerError as e:
        return [str(e)]
    return []


def _validate_close_to(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems: list[str] = []
    checks = [("value", spec.value), ("tolerance", spec.options.get("tolerance"))]
    for what, raw in checks:
        if raw is None or is_templated(raw):
            continue
        try:
            if number(raw, what) < 0 and what == "tolerance":
                problems.append("tolerance must be 0 or more — it is the largest allowed difference")
        except ScorerError as e:
            problems.append(f"{e} — write a plain number")
    if "path" in spec.options:
        problems += _validate_json_path(spec, prompt_dir, repo_root)
    return problems


SCORERS: dict[str, ScorerDef] = {
    "is-json": ScorerDef(is_json, _validate_schema),
    "contains-json": ScorerDef(contains_json, _validate_schema),
    "json-schema": ScorerDef(json_schema, _validate_schema),
    "json-path": ScorerDef(json_path, _validate_json_path, options=frozenset({"path", "pattern"})),
    "close-to": ScorerDef(close_to, _validate_close_to, options=frozenset({"path", "tolerance"})),
}
