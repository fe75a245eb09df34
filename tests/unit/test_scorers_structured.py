"""JSON, JSON Schema, JSON path and numeric scorers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.model.specs import Message, ScorerSpec


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("structured scorers must not call a model")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("structured scorers must not call a model")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    (tmp_path / "prompts" / "city.schema.json").write_text(json.dumps(schema))
    (tmp_path / "prompts" / "city.schema.yaml").write_text("type: object\nrequired: [city]\n")
    return tmp_path


def run(spec: dict[str, Any], output: str, repo: Path, expected: Any = None) -> Any:
    ctx = ScoreContext(output=output, vars={}, expected=expected, case_id="c1",
                       prompt="prompts/p.prompt.yaml", prompt_dir=repo / "prompts",
                       repo_root=repo, grader=NoGrader())
    return asyncio.run(score_case([ScorerSpec(**spec)], ctx))[spec["type"]]


SCHEMA = {"type": "object", "required": ["city"]}
CASES = [
    ({"type": "is-json"}, '{"a": 1}', True, "output is valid JSON"),
    ({"type": "is-json"}, "Sure! {\"a\": 1}", False, 'output is not valid JSON; output starts "Sure!'),
    ({"type": "is-json", "value": SCHEMA}, '{"city": "Paris"}', True, "matching the schema"),
    ({"type": "is-json", "value": SCHEMA}, '{"town": "Paris"}', False, "'city' is a required property"),
    ({"type": "contains-json"}, 'Here:\n```json\n{"a": [1, 2]}\n```\nDone.', True, "contains JSON"),
    ({"type": "contains-json"}, 'The answer is {"a": 1} as requested', True, "contains JSON"),
    ({"type": "contains-json"}, "no braces { here", False, "no JSON object or array found"),
    ({"type": "contains-json", "value": SCHEMA}, 'a {"x":1} b {"city":"Rome"}', True, "matching"),
    ({"type": "json-schema", "value": SCHEMA}, '```json\n{"city": "Rome"}\n```', True, "JSON matches"),
    ({"type": "json-schema", "value": "city.schema.json"}, '{"city": 3}', False,
     "JSON does not match the schema at $.city: 3 is not of type 'string'"),
    ({"type": "json-schema", "value": "city.schema.yaml"}, '{"city": 3}', True, "matches"),
    ({"type": "json-schema", "value": SCHEMA}, "plain words", False, "no JSON to check against the schema"),
    ({"type": "json-path", "path": "$.city", "value": "Paris"}, '{"city": "Paris"}', True, "$.city equals"),
    ({"type": "json-path", "path": "$.city", "value": "Paris"}, '{"city": "Rome"}', False,
     '$.city is "Rome", expected "Paris"'),
    ({"type": "json-path", "path": "$.n", "value": "42"}, '{"n": 42}', True, "equals"),
    ({"type": "json-path", "path": "$.n", "value": 42}, '{"n": 42}', True, "equals"),
    ({"type": "json-path", "path": "$.city", "pattern": "^P"}, '{"city": "Paris"}', True, "matches /^P/"),
    ({"type": "json-path", "path": "$.city"}, '{"town": "Paris"}', False, "$.city not found"),
    ({"type": "json-path", "path": "$.items[*].id"}, '{"items": [{"id": 1}, {"id": 2}]}', True, "exists"),
    ({"type": "close-to", "value": 3.14, "tolerance": 0.01}, "3.141", True, "within 0.01 of 3.14"),
    ({"type": "close-to", "value": "0.3"}, "0.1 + 0.2 is 0.30000000000000004", False, "3 numbers"),
    ({"type": "close-to", "value": "0.3"}, "0.30000000000000004", True, "within"),
    ({"type": "close-to", "value": 1200}, "About 1,250 people.", False, "expected 1,200 ± 0; got 1,250"),
    ({"type": "close-to", "value": 10, "tolerance": 1, "path": "$.n"}, '{"n": 10.5, "m": 3}', True, "within"),
    ({"type": "close-to", "value": 10}, "none", False, "output has no number"),
]


@pytest.mark.parametrize(("spec", "output", "passed", "reason"), CASES)
def test_structured_scorers(repo: Path, spec: dict[str, Any], output: str, passed: bool, reason: str) -> None:
    result = run(spec, output, repo)
    assert (result.passed, result.errored) == (passed, False), result.reason
    assert reason in result.reason


def test_close_to_uses_expected_when_no_value(repo: Path) -> None:
    assert run({"type": "close-to", "tolerance": 0.5}, "7.2", repo, expected=7).passed


def test_not_is_json_inverts(repo: Path) -> None:
    result = run({"type": "not-is-json"}, "{}", repo)
    assert not result.passed and "not-is-json failed: output is valid JSON" in result.reason


@pytest.mark.parametrize(("spec", "problem"), [
    ({"type": "json-schema"}, "json-schema needs `value:`"),
    ({"type": "json-schema", "value": "../../secret.json"}, "leaves the repository"),
    ({"type": "json-schema", "value": "/etc/passwd"}, "absolute path"),
    ({"type": "json-schema", "value": "missing.json"}, "does not exist next to the prompt"),
    ({"type": "json-schema", "value": {"type": "nonsense"}}, "is not a valid JSON Schema"),
    ({"type": "is-json", "value": {"type": 5}}, "is not a valid JSON Schema"),
    ({"type": "json-path"}, "needs a `path:` option"),
    ({"type": "json-path", "path": "$.["}, "invalid JSON path"),
    ({"type": "json-path", "path": "$.a", "pattern": "("}, "`pattern:` invalid regex"),
    ({"type": "close-to", "value": "ten"}, "value must be a number"),
    ({"type": "close-to", "value": 1, "tolerance": -1}, "tolerance must be 0 or more"),
])
def test_validate_finds_problems(repo: Path, spec: dict[str, Any], problem: str) -> None:
    problems = validate_scorer(ScorerSpec(**spec), repo / "prompts", repo)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("spec", [
    {"type": "json-schema", "value": "city.schema.json"},
    {"type": "json-schema", "value": "city.schema.yaml"},
    {"type": "json-path", "path": "$.a[0].b", "pattern": "^x"},
    {"type": "close-to", "value": "{{ expected }}", "tolerance": 0.5},
    {"type": "contains-json"},
])
def test_validate_accepts_good_specs(repo: Path, spec: dict[str, Any]) -> None:
    assert validate_scorer(ScorerSpec(**spec), repo / "prompts", repo) == []


def test_schema_escape_at_runtime_is_errored(repo: Path) -> None:
    result = run({"type": "json-schema", "value": "../../secret.json"}, "{}", repo)
    assert result.errored and "leaves the repository" in result.reason


def test_symlink_out_of_repo_is_refused(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "s.json"
    outside.write_text("{}")
    (repo / "prompts" / "link.json").symlink_to(outside)
    problems = validate_scorer(ScorerSpec(type="json-schema", value="link.json"), repo / "prompts", repo)
    assert problems and "outside the repository" in problems[0]


@pytest.mark.parametrize("value", ["file://city.schema.json", "file://city.schema.yaml", "city.schema.yaml",
                                   "type: object\nrequired: [city]\n", '{"type": "object", "required": ["city"]}'])
def test_schema_value_forms_as_promptfoo_writes_them(value: str, repo: Path) -> None:
    assert validate_scorer(ScorerSpec(type="is-json", value=value), repo / "prompts", repo) == []
    assert run({"type": "is-json", "value": value}, '{"city": "Paris"}', repo).passed
    assert not run({"type": "is-json", "value": value}, '{"town": "Paris"}', repo).passed


def test_a_long_yaml_schema_string_is_a_schema_not_a_file_name(repo: Path) -> None:
    props = "".join(f"  field_{i}: {{type: string, description: a long description of field {i}}}\n"
                    for i in range(40))
    value = f"type: object\nproperties:\n{props}"
    assert validate_scorer(ScorerSpec(type="is-json", value=value), repo / "prompts", repo) == []


@pytest.mark.parametrize(("fmt", "good", "bad"), [
    ("date", "2024-02-29", "29/02/2024"), ("email", "a@b.example", "nobody"),
    ("date-time", "2024-01-02T03:04:05Z", "2024-01-02 lunchtime"), ("uri", "https://example.com/x", "not a uri"),
])
def test_json_schema_format_is_enforced(fmt: str, good: str, bad: str, repo: Path) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}}
    assert run({"type": "is-json", "value": schema}, json.dumps({"v": good}), repo).passed
    assert not run({"type": "is-json", "value": schema}, json.dumps({"v": bad}), repo).passed


@pytest.mark.parametrize("output", ["NaN", '{"a": Infinity}', "[-Infinity]"])
def test_is_json_refuses_nan_and_infinity(output: str, repo: Path) -> None:
    assert not run({"type": "is-json"}, output, repo).passed
