"""Good prompt files of every kind, and what they load into."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from eval_action.inputs.prompts import load_prompt, load_prompts
from eval_action.inputs.prompts.datasets import hash_vars
from eval_action.model.errors import UserError, UserErrors
from eval_action.model.specs import Case, Config, Dependency, Message, PromptSpec, ProviderSpec

CONFIG = Config(providers={
    "default": ProviderSpec(type="openai", model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1"),
    "agent": ProviderSpec(type="python", function="agent.app:run"),
    "cli": ProviderSpec(type="command", command=["node", "bin/agent.js", "--fast"]),
})


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_native_yaml(tmp_path: Path) -> None:
    write(tmp_path, "prompts/data/capitals.jsonl",
          '{"id": "fr", "vars": {"country": "France"}, "expected": "Paris"}\n\n'
          '{"country": "Spain", "expected": "Madrid"}\n')
    write(tmp_path, "partials/tone.j2", "{% include 'partials/inner.j2' %}")
    write(tmp_path, "partials/inner.j2", "Be brief.")
    write(tmp_path, "prompts/capital.prompt.yaml", """\
name: capital-qa
params: {temperature: 0, max_tokens: 64}
messages:
  - {role: system, content: "Capital only. {% include 'partials/tone.j2' %}"}
  - {role: user, content: "What is the capital of {{ country }}?"}
evals:
  dataset: data/capitals.jsonl
  scorers:
    - {type: icontains, value: "{{ expected }}"}
    - {type: llm-rubric, value: "Names one city", threshold: 0.8, name: one-city, provider: default}
  min_pass_rate: 90
  regression_tolerance: 0.1
  regression_confidence: 0.95
  repeats: 3
  score_thresholds: {one-city: 0.7}
""")
    spec = load_prompt(Path("prompts/capital.prompt.yaml"), tmp_path, CONFIG)
    assert (spec.path, spec.name, spec.kind, spec.provider_name) == (
        "prompts/capital.prompt.yaml", "capital-qa", "yaml", "default")
    assert spec.provider == CONFIG.providers["default"]
    assert spec.params == {"temperature": 0, "max_tokens": 64}
    assert spec.messages[1] == Message(role="user", content="What is the capital of {{ country }}?")
    spain = hashlib.sha256(json.dumps({"country": "Spain"}, separators=(",", ":")).encode()).hexdigest()[:12]
    assert spec.cases == [
        Case(id="fr", vars={"country": "France"}, expected="Paris", source="prompts/data/capitals.jsonl:1"),
        Case(id=spain, vars={"country": "Spain"}, expected="Madrid", source="prompts/data/capitals.jsonl:3"),
    ]
    assert [(s.type, s.line) for s in spec.scorers] == [("icontains", 9), ("llm-rubric", 10)]
    assert spec.scorers[1].label == "one-city" and spec.scorers[1].threshold == 0.8
    assert (spec.min_pass_rate, spec.regression_tolerance, spec.regression_confidence, spec.repeats) == (
        90, 0.1, 0.95, 3)
    assert spec.score_thresholds == {"one-city": 0.7}
    assert spec.dependencies == [
        Dependency(path="partials/inner.j2", kind="include"),
        Dependency(path="partials/tone.j2", kind="include"),
        Dependency(path="prompts/data/capitals.jsonl", kind="dataset"),
    ]


def test_markdown_sections_and_inline_provider(tmp_path: Path) -> None:
    write(tmp_path, "support.prompt.md", """\
---
provider: {type: anthropic, model: claude-haiku-4-5}
evals:
  cases:
    - {id: refund, vars: {question: "Can I get a refund?"}, expected: "30 days"}
  scorers: [{type: contains, value: "{{ expected }}"}]
---
<System>
  You are a support agent.
</System>

<User>
{{ question }}
</User>
<Assistant>Sure.</Assistant>
""")
    spec = load_prompt(tmp_path / "support.prompt.md", tmp_path, CONFIG)
    assert spec.name == "support" and spec.kind == "md"
    assert spec.provider_name is None
    assert spec.provider == ProviderSpec(type="anthropic", model="claude-haiku-4-5")
    assert [(m.role, m.content) for m in spec.messages] == [
        ("system", "You are a support agent."), ("user", "{{ question }}"), ("assistant", "Sure.")]
    assert spec.cases == [Case(id="refund", vars={"question": "Can I get a refund?"}, expected="30 days",
                               source="support.prompt.md:5")]


def test_markdown_plain_body_is_the_user_message(tmp_path: Path) -> None:
    write(tmp_path, "plain.prompt.md",
          "---\nprovider: agent\nevals: {cases: [{x: 1}]}\n---\n\nSay {{ x }}.\n")
    spec = load_prompt(Path("plain.prompt.md"), tmp_path, CONFIG)
    assert spec.messages == [Message(role="user", content="Say {{ x }}.")]
    assert spec.provider_name == "agent"
    assert spec.cases[0].id == hash_vars({"x": 1})


def test_agentmark_mdx(tmp_path: Path) -> None:
    write(tmp_path, "am/data.jsonl", '{"input": {"name": "Ada"}, "expected_output": "Hello Ada"}\n')
    write(tmp_path, "am/greet.prompt.mdx", """\
---
name: greeter
text_config:
  model_name: gpt-4o
  temperature: 0.2
  max_tokens: 50
test_settings:
  dataset: data.jsonl
  scorers: [{type: equals, value: "{{ expected }}"}]
input_schema: {type: object, properties: {name: {type: string}}}
---
<System>Greet {props.name} warmly; keep {{ '{' }}braces{{ '}' }}.</System>
<User>My name is { props.name }.</User>
""")
    spec = load_prompt(Path("am/greet.prompt.mdx"), tmp_path, CONFIG)
    assert spec.kind == "mdx" and spec.name == "greeter"
    assert spec.provider_name is None
    assert spec.provider == CONFIG.providers["default"].model_copy(update={"model": "gpt-4o"})
    assert spec.params == {"temperature": 0.2, "max_tokens": 50}
    assert [m.content for m in spec.messages] == [
        "Greet {{ props.name }} warmly; keep {{ '{' }}braces{{ '}' }}.", "My name is {{ props.name }}."]
    assert [(c.vars, c.expected) for c in spec.cases] == [({"name": "Ada"}, "Hello Ada")]
    assert spec.dependencies == [Dependency(path="am/data.jsonl", kind="dataset")]


def test_agentmark_without_model_keeps_the_default_name(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.mdx",
          "---\ntest_settings:\n  props: {name: Ada}\n  evals: [exact_match]\n---\n<User>Hi {props.name}</User>\n")
    spec = load_prompt(Path("p.prompt.mdx"), tmp_path, CONFIG)
    assert spec.provider_name == "default"
    assert spec.cases[0].vars == {"name": "Ada"}


def test_prompty(tmp_path: Path) -> None:
    write(tmp_path, "basic.prompty", """\
---
name: Basic Prompt
description: A basic prompt
authors: [someone]
model:
  api: chat
  configuration:
    type: azure_openai
    azure_deployment: gpt-35-turbo
    api_key: ${env:AZURE_KEY}
  parameters:
    max_tokens: 128
    temperature: 0.2
sample:
  firstName: Jane
  question: What is the meaning of life?
evals:
  scorers: [{type: icontains, value: Jane}]
---
system:
You are an AI assistant who helps people find information.
Address {{firstName}} by name.

user:
{{question}}
""")
    spec = load_prompt(Path("basic.prompty"), tmp_path, CONFIG)
    assert spec.kind == "prompty" and spec.name == "Basic Prompt"
    assert isinstance(spec, PromptSpec)
    assert spec.provider_name is None  # Azure's deployments URL, never the default provider's host
    assert spec.provider == ProviderSpec(
        type="openai", model="gpt-35-turbo", base_url="${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-35-turbo",
        api_version="2024-12-01-preview", api_key_header="api-key", api_key_env="AZURE_KEY")
    assert spec.params == {"max_tokens": 128, "temperature": 0.2}
    assert [(m.role, m.content) for m in spec.messages] == [
        ("system",
         "You are an AI assistant who helps people find information.\nAddress {{firstName}} by name."),
        ("user", "{{question}}")]
    assert [c.vars for c in spec.cases] == [{"firstName": "Jane", "question": "What is the meaning of life?"}]
    assert [s.type for s in spec.scorers] == ["icontains"]


def test_prompty_evals_block_wins_over_sample(tmp_path: Path) -> None:
    write(tmp_path, "data.csv", 'id,question,expected\nq1,"Hi, there",hello\n,Bye,bye\n')
    write(tmp_path, "e.prompty", """\
---
sample: {question: unused}
evals:
  dataset: data.csv
  scorers: [{type: icontains, value: "{{ expected }}"}]
---
Answer briefly.
user:
{{question}}
""")
    spec = load_prompt(Path("e.prompty"), tmp_path, CONFIG)
    assert spec.provider_name == "default"
    assert spec.messages[0] == Message(role="system", content="Answer briefly.")
    assert spec.cases == [
        Case(id="q1", vars={"question": "Hi, there"}, expected="hello", source="data.csv:2"),
        Case(id=hash_vars({"question": "Bye"}), vars={"question": "Bye"}, expected="bye",
             source="data.csv:3"),
    ]


def test_yaml_dataset_rows_and_lines(tmp_path: Path) -> None:
    write(tmp_path, "d/rows.yaml", "- vars: {a: 1}\n  expected: one\n- {a: 2, id: 7}\n- a: 2024-01-01\n")
    write(tmp_path, "p.prompt.yaml",
          "messages: [{role: user, content: '{{ a }}'}]\nevals: {dataset: d/rows.yaml}\n")
    cases = load_prompt(Path("p.prompt.yaml"), tmp_path, CONFIG).cases
    assert [(c.id, c.vars, c.expected, c.source) for c in cases] == [
        (hash_vars({"a": 1}), {"a": 1}, "one", "d/rows.yaml:1"),
        ("7", {"a": 2}, None, "d/rows.yaml:3"),
        (hash_vars({"a": "2024-01-01"}), {"a": "2024-01-01"}, None, "d/rows.yaml:4"),  # dates stay text
    ]


def test_file_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "prompts/checks.py", "def fn(output, context): return True\n")
    write(tmp_path, "prompts/schemas/answer.json", "{}")
    write(tmp_path, "agent/app/__init__.py", "def run(messages, context): return ''\n")
    write(tmp_path, "lib/scoring.py", "")
    write(tmp_path, "prompts/a.prompt.yaml", """\
provider: agent
messages: [{role: user, content: hi}]
evals:
  cases: [{x: 1}]
  scorers:
    - {type: python, value: "checks.py:fn"}
    - {type: python, value: "lib.scoring:fn"}
    - {type: python, value: "installed.elsewhere:fn"}
    - {type: json-schema, value: schemas/answer.json}
    - {type: json-schema, value: '{"type": "object"}'}
""")
    spec = load_prompt(Path("prompts/a.prompt.yaml"), tmp_path, CONFIG)
    assert spec.dependencies == [
        Dependency(path="agent/app/", kind="target"),
        Dependency(path="lib/scoring.py", kind="scorer"),
        Dependency(path="prompts/checks.py", kind="scorer"),
        Dependency(path="prompts/schemas/answer.json", kind="schema"),
    ]


def test_command_target_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "bin/agent.js", "")
    write(tmp_path, "c.prompt.yaml",
          "provider: cli\nmessages: [{role: user, content: hi}]\nevals: {cases: [{x: 1}]}\n")
    spec = load_prompt(Path("c.prompt.yaml"), tmp_path, CONFIG)
    assert spec.dependencies == [Dependency(path="bin/agent.js", kind="target")]


def test_scorer_file_outside_the_repo_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yaml", "messages: [{role: user, content: hi}]\n"
          "evals:\n  cases: [{x: 1}]\n  scorers: [{type: python, value: '../evil.py:fn'}]\n")
    with pytest.raises(UserError, match=r"^p\.prompt\.yaml:4: path `\.\./evil\.py` leaves the repository"):
        load_prompt(Path("p.prompt.yaml"), tmp_path, CONFIG)


def test_dotdot_staying_inside_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "shared/d.jsonl", '{"x": 1}\n')
    write(tmp_path, "p/q.prompt.yaml",
          "messages: [{role: user, content: hi}]\nevals: {dataset: ../shared/d.jsonl}\n")
    assert load_prompt(Path("p/q.prompt.yaml"), tmp_path, CONFIG).cases[0].source == "shared/d.jsonl:1"


def test_load_prompts_reports_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "a.prompt.yaml", "messages: []\nevals: {cases: [{x: 1}]}\n")
    write(tmp_path, "b.prompt.yaml", "messages: [{role: user, content: hi}]\nevals: {}\n")
    with pytest.raises(UserErrors) as caught:
        load_prompts([Path("a.prompt.yaml"), Path("b.prompt.yaml")], tmp_path, CONFIG)
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["a.prompt.yaml", "b.prompt.yaml"]


def test_not_a_prompt_file(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "hi")
    with pytest.raises(UserError, match=r"^notes\.txt: not a prompt file"):
        load_prompt(Path("notes.txt"), tmp_path, CONFIG)


def test_missing_include_is_reported_at_load(tmp_path: Path) -> None:
    write(tmp_path, "i.prompt.yaml", "messages: [{role: user, content: \"{% include 'nope.j2' %}\"}]\n"
          "evals: {cases: [{x: 1}]}\n")
    with pytest.raises(UserError, match=r"^i\.prompt\.yaml: template includes `nope\.j2`, which is not"):
        load_prompt(Path("i.prompt.yaml"), tmp_path, CONFIG)
