"""promptfoo's `file://` values: text and data read for any scorer, code named for python/javascript,
paths relative to the file that names them, every file a dependency of its prompt."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case
from eval_action.execution.usercode.pool import UserCode
from eval_action.inputs.prompts import load_prompt
from eval_action.model.errors import UserError
from eval_action.model.results import Score
from eval_action.model.specs import Config, Dependency, Message, PromptSpec, ProviderSpec

CONFIG = Config(providers={"default": ProviderSpec(type="openai", model="m", base_url="http://127.0.0.1:9/v1")})


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("no model call expected")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("no model call expected")


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def prompt(root: Path, scorers: str, cases: str = "cases: [{id: c, vars: {city: Paris}}]") -> PromptSpec:
    write(root, "prompts/p.prompt.yaml", f"messages: [{{role: user, content: hi}}]\nevals:\n  {cases}\n"
                                         f"  scorers:\n{scorers}")
    return load_prompt(Path("prompts/p.prompt.yaml"), root, CONFIG)


def scores(root: Path, spec: PromptSpec, output: str) -> dict[str, Score]:
    async def run() -> dict[str, Score]:
        usercode = UserCode(dict(os.environ), threads=1)
        case = spec.cases[0]
        ctx = ScoreContext(output=output, vars=case.vars, expected=case.expected, case_id=case.id,
                           prompt=spec.path, prompt_dir=root / "prompts", repo_root=root, grader=NoGrader(),
                           usercode=usercode, python=sys.executable)
        try:
            return await score_case([*spec.scorers, *case.scorers], ctx)
        finally:
            await usercode.aclose()
    return asyncio.run(run())


def test_file_text_value_is_the_files_text_for_any_string_scorer(tmp_path: Path) -> None:
    write(tmp_path, "prompts/expected/answer.txt", "The capital is Paris.\n")
    write(tmp_path, "prompts/expected/words.txt", "  capital  \n")
    spec = prompt(tmp_path, "    - {type: equals, value: file://expected/answer.txt}\n"
                            "    - {type: icontains, value: file://expected/words.txt}\n"
                            "    - {type: not-contains, value: file://expected/words.txt}\n")
    got = scores(tmp_path, spec, "The capital is Paris.")
    assert [s.passed for s in got.values()] == [True, True, False]  # promptfoo trims .txt files


def test_file_data_value_is_parsed_json_or_yaml(tmp_path: Path) -> None:
    write(tmp_path, "prompts/cities.yaml", "- Paris\n- Rome\n")
    write(tmp_path, "prompts/answer.json", '{"city": "Paris"}')
    spec = prompt(tmp_path, "    - {type: contains-any, value: file://cities.yaml}\n"
                            "    - {type: equals, value: file://answer.json}\n")
    got = scores(tmp_path, spec, '{"city":"Paris"}')
    assert got["contains-any"].passed and got["equals"].passed


def test_file_items_of_a_list_value_are_read_and_the_others_rendered(tmp_path: Path) -> None:
    write(tmp_path, "prompts/a.txt", "Lyon")
    spec = prompt(tmp_path, '    - {type: contains-all, value: ["file://a.txt", "{{ city }}"]}\n')
    assert scores(tmp_path, spec, "Paris and Lyon")["contains-all"].passed
    assert not scores(tmp_path, spec, "Paris")["contains-all"].passed


def test_a_files_text_is_never_a_template(tmp_path: Path) -> None:
    write(tmp_path, "prompts/braces.txt", "{{ not_a_var }}")
    spec = prompt(tmp_path, "    - {type: equals, value: file://braces.txt}\n")
    assert scores(tmp_path, spec, "{{ not_a_var }}")["equals"].passed


@pytest.mark.parametrize(("value", "files", "says", "where"), [
    ("file://nope.txt", {}, "`nope.txt` does not exist", "prompts/p.prompt.yaml:5"),
    ("file://../../etc/passwd", {}, "leaves the repository", "prompts/p.prompt.yaml:5"),
    ("file:///etc/passwd", {}, "absolute path", "prompts/p.prompt.yaml:5"),
    ("file://notes.md", {"prompts/notes.md": "x"}, "file://notes.md: unsupported file type `.md`",
     "prompts/p.prompt.yaml:5"),
    ("file://bad.json", {"prompts/bad.json": '{\n  "a": 1,\n}'}, "invalid JSON", "prompts/bad.json:3"),
    ("file://check.py", {"prompts/check.py": ""}, "names code", "prompts/p.prompt.yaml:5"),
])
def test_bad_file_values_are_one_line_errors_naming_file_and_line(tmp_path: Path, value: str,
                                                                  files: dict[str, str], says: str,
                                                                  where: str) -> None:
    for rel, text in files.items():
        write(tmp_path, rel, text)
    with pytest.raises(UserError) as caught:
        prompt(tmp_path, f"    - {{type: equals, value: '{value}'}}\n")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(where + ":"), str(caught.value)
    assert says in str(caught.value)


def test_python_and_javascript_file_values_name_code(tmp_path: Path) -> None:
    write(tmp_path, "prompts/checks.py", "def get_assert(output, context):\n    return output == 'Paris'\n\n"
                                         "def other(output, context):\n    return output == 'Rome'\n")
    spec = prompt(tmp_path, "    - {type: python, value: file://checks.py}\n"
                            "    - {type: python, value: 'file://checks.py:other'}\n")
    got = scores(tmp_path, spec, "Paris")
    assert [s.passed for s in got.values()] == [True, False], [s.reason for s in got.values()]


def test_every_file_a_scorer_names_is_a_dependency(tmp_path: Path) -> None:
    for rel in ["prompts/expected.txt", "prompts/list.yaml", "prompts/checks.py", "prompts/check.js",
                "prompts/schemas/a.json", "prompts/schemas/b.yaml", "prompts/schemas/c.json"]:
        write(tmp_path, rel, "{}" if rel.endswith((".json", ".yaml")) else "x")
    spec = prompt(tmp_path, "    - {type: equals, value: file://expected.txt}\n"
                            "    - {type: contains-any, value: [file://list.yaml, x]}\n"
                            "    - {type: python, value: 'file://checks.py:fn'}\n"
                            "    - {type: javascript, value: 'file://check.js:fn'}\n"
                            "    - {type: is-json, value: file://schemas/a.json}\n"
                            "    - {type: contains-json, value: schemas/b.yaml}\n"
                            "    - {type: not-is-json, value: schemas/c.json}\n")
    assert spec.dependencies == [
        Dependency(path="prompts/check.js", kind="scorer"),
        Dependency(path="prompts/checks.py", kind="scorer"),
        Dependency(path="prompts/expected.txt", kind="file"),
        Dependency(path="prompts/list.yaml", kind="file"),
        Dependency(path="prompts/schemas/a.json", kind="schema"),
        Dependency(path="prompts/schemas/b.yaml", kind="schema"),
        Dependency(path="prompts/schemas/c.json", kind="schema"),
    ]


def test_a_dataset_rows_files_are_relative_to_the_dataset_and_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "data/rows.yaml", "- {id: c, vars: {city: Paris}, assert: [{type: equals, "
                                      "value: file://expected/paris.txt}]}\n")
    write(tmp_path, "data/expected/paris.txt", "Paris")
    spec = prompt(tmp_path, "    - {type: contains, value: P}\n", cases="dataset: ../data/rows.yaml")
    assert Dependency(path="data/expected/paris.txt", kind="file") in spec.dependencies
    got = scores(tmp_path, spec, "Paris")
    assert got["equals"].passed, got["equals"].reason
    assert not scores(tmp_path, spec, "Rome")["equals"].passed


def test_an_assert_sets_members_read_their_files_too(tmp_path: Path) -> None:
    write(tmp_path, "prompts/city.txt", "Paris")
    write(tmp_path, "data/rows.yaml", "- {id: c, vars: {}, assert: [{type: assert-set, assert: "
                                      "[{type: icontains, value: file://city.txt}]}]}\n")
    write(tmp_path, "data/city.txt", "Rome")
    spec = prompt(tmp_path, "    - {type: assert-set, assert: [{type: equals, value: file://city.txt}]}\n",
                  cases="dataset: ../data/rows.yaml")
    assert {Dependency(path="prompts/city.txt", kind="file"),
            Dependency(path="data/city.txt", kind="file")} <= set(spec.dependencies)
    got = scores(tmp_path, spec, "Paris")
    assert [s.passed for s in got.values()] == [True, False]  # the row's member reads data/city.txt
