"""Review fixes for MDX and user JSON: bounded comment scanning, the path check for agentmark.json,
one JSON reader, unsupported expressions refused, component lines kept."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from eval_action.cli import main
from eval_action.inputs.prompts import load_prompt
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, Dependency, PromptSpec, ProviderSpec

CONFIG = Config(providers={"default": ProviderSpec(type="openai", model="gpt-4o-mini",
                                                   base_url="http://127.0.0.1:9/v1")})
EVAL = "test_settings:\n  evals: [exact_match]\n  cases: [{input: {tone: calm}, expected_output: hi}]\n"
DEEP = "[" * 100_000


def write(repo: Path, rel: str, text: str) -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)
    return rel


def error(repo: Path, rel: str) -> UserError:
    with pytest.raises(UserError) as caught:
        load_prompt(Path(rel), repo, CONFIG)
    return caught.value


def validate(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(repo)
    code = main(["validate"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("front", ["", f"---\n{EVAL}---\n"], ids=["no-front-matter", "front-matter"])
def test_s1_many_leading_mdx_comments_are_scanned_in_linear_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], front: str) -> None:
    write(tmp_path, "p.prompt.mdx", "{/* a */}\n" * 200 + front + "<User>{props.tone}</User>\n")
    started = time.monotonic()
    code, out = validate(tmp_path, monkeypatch, capsys)
    assert time.monotonic() - started < 1, out
    assert code == 0 and "Traceback" not in out, out
    assert ("1 prompt file(s) OK" if front else "not an eval") in out, out


def test_s1_comments_above_the_front_matter_keep_the_file_lines(tmp_path: Path) -> None:
    rel = write(tmp_path, "p.prompt.mdx", "{/* a */} {/* b\nc */}\n" + f"---\n{EVAL}---\n<User>{{% if %}}</User>\n")
    assert error(tmp_path, rel).line == 8


def test_s2_agentmark_json_symlinked_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (tmp_path / "secret.json").write_text("root:x:0:0\n")
    write(repo, "d.jsonl", '{"input": {"tone": "calm"}, "expected_output": "hi"}\n')
    rel = write(repo, "p.prompt.mdx", "---\ntest_settings:\n  dataset: d.jsonl\n  evals: [exact_match]\n---\n"
                                      "<User>{props.tone}</User>\n")
    (repo / "agentmark.json").symlink_to(tmp_path / "secret.json")
    e = error(repo, rel)
    assert "symlink pointing outside the repository" in e.message and "JSON" not in e.message


def test_s2_agentmark_json_is_a_dependency_of_the_prompts_it_points(tmp_path: Path) -> None:
    write(tmp_path, "agentmark.json", '{"agentmarkPath": "."}')
    write(tmp_path, "agentmark/d.jsonl", '{"input": {"tone": "calm"}, "expected_output": "hi"}\n')
    rel = write(tmp_path, "agentmark/p.prompt.mdx", "---\ntest_settings:\n  dataset: d.jsonl\n"
                                                    "  evals: [exact_match]\n---\n<User>{props.tone}</User>\n")
    spec = load_prompt(Path(rel), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec)
    assert "agentmark.json" in [d.path for d in spec.dependencies]


def _deep_scorer_value(repo: Path) -> None:
    write(repo, "deep.json", DEEP)
    write(repo, "p.prompt.yaml", "name: p\nmessages:\n  - {role: user, content: hi}\nevals:\n  cases: [{x: 1}]\n"
                                 "  scorers: [{type: equals, value: 'file://deep.json'}]\n")


def _deep_prompty_file(repo: Path) -> None:
    write(repo, "deep.json", DEEP)
    write(repo, "p.prompty", "---\nsample: ${file:deep.json}\nevals:\n  cases: [{x: 1}]\n"
                             "  scorers: [{type: equals, value: hi}]\n---\nuser:\nhi\n")


def _deep_agentmark_json(repo: Path) -> None:
    write(repo, "agentmark.json", DEEP)
    write(repo, "d.jsonl", '{"input": {"tone": "calm"}, "expected_output": "hi"}\n')
    write(repo, "p.prompt.mdx", "---\ntest_settings:\n  dataset: d.jsonl\n  evals: [exact_match]\n---\n"
                                "<User>{props.tone}</User>\n")


def _deep_github_schema(repo: Path) -> None:
    write(repo, "deep.prompt.yml", f"model: m\nresponseFormat: json_schema\njsonSchema: '{DEEP}'\n"
                                   "messages: [{role: user, content: hi}]\ntestData: [{x: 1}]\n"
                                   "evaluators: [{name: e, string: {contains: hi}}]\n")


@pytest.mark.parametrize("make", [_deep_scorer_value, _deep_prompty_file, _deep_agentmark_json, _deep_github_schema],
                         ids=["scorer-file-value", "prompty-file-ref", "agentmark-json", "github-models-schema"])
def test_b1_deeply_nested_json_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], make: object) -> None:
    make(tmp_path)  # type: ignore[operator]
    code, out = validate(tmp_path, monkeypatch, capsys)
    assert code == 2 and "Traceback" not in out and "internal error" not in out, out
    [line] = [x for x in out.splitlines() if "deep." in x or "agentmark.json" in x]
    assert "invalid JSON" in line and "nested too deeply" in line, out


@pytest.mark.parametrize("expr", ["{props.tone.toUpperCase()}", '{props.tone + "!"}', "{`${props.tone}`}",
                                  "{tone}"])
def test_b4_an_expression_outside_the_subset_is_refused_by_name(tmp_path: Path, expr: str) -> None:
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\n<User>\nSay\n{expr}\n</User>\n")
    e = error(tmp_path, rel)
    assert e.line == 8 and "MDX expression" in e.message and "is not supported" in e.message, e.message


def test_b4_braces_agentmark_sends_as_text_still_work(tmp_path: Path) -> None:
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\n<User>{{props.tone}} <Raw>{{a: 1}}</Raw></User>\n")
    spec = load_prompt(Path(rel), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec) and spec.messages[0].content == "{{ props.tone }} {% raw %}{a: 1}{% endraw %}"


def test_b4_braces_in_code_are_text_as_mdx_reads_them(tmp_path: Path) -> None:
    body = '<User>\nReply as `{"a": 1}` or:\n```json\n{"a": {"b": 2}}\n```\n</User>\n'
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\n{body}")
    spec = load_prompt(Path(rel), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec) and '{"a": {"b": 2}}' in spec.messages[0].content


def test_b4_raw_braces_inside_a_component_still_work(tmp_path: Path) -> None:
    write(tmp_path, "c.mdx", "Format: <Raw>{a: 1}</Raw>\n")
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\nimport C from './c.mdx';\n<User><C /></User>\n")
    spec = load_prompt(Path(rel), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec) and "{% raw %}{a: 1}{% endraw %}" in spec.messages[0].content


@pytest.mark.parametrize("unit", ["{% raw %}\n", "{{\n", "```\n~~~\n", "`" * 50 + "\n"])
def test_b4_the_expression_check_is_linear(tmp_path: Path, unit: str) -> None:
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\n<User>\n{unit * 20_000}</User>\n")
    started = time.monotonic()
    with contextlib.suppress(UserError):  # Jinja's own syntax error, for the unclosed tags
        load_prompt(Path(rel), tmp_path, CONFIG)
    assert time.monotonic() - started < 2


def test_b4_the_refused_expression_is_escaped_for_the_log(tmp_path: Path) -> None:
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\n<User>{{props.a\x1b[31m + 1}}</User>\n")
    assert "\x1b" not in str(error(tmp_path, rel))


def test_b5_an_error_inside_a_component_names_the_component_line(tmp_path: Path) -> None:
    write(tmp_path, "c/line.mdx", "import D from './d.mdx';\n\n\n<If condition={props.x.map(f)}>a</If>\n")
    write(tmp_path, "c/d.mdx", "d\n")
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\nimport L from './c/line.mdx';\n<User><L /></User>\n")
    e = error(tmp_path, rel)
    assert (e.path, e.line) == ("c/line.mdx", 4), str(e)


def test_b5_component_dependency_still_recorded(tmp_path: Path) -> None:
    write(tmp_path, "c/line.mdx", "\n\nBe brief.\n")
    rel = write(tmp_path, "p.prompt.mdx", f"---\n{EVAL}---\nimport L from './c/line.mdx';\n<User><L /></User>\n")
    spec = load_prompt(Path(rel), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec) and Dependency(path="c/line.mdx", kind="include") in spec.dependencies
    assert spec.messages[0].content.endswith("Be brief.{% endwith %}")
