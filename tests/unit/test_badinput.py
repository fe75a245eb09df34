"""Every malformed input ends as one `path:line: what — how to fix` line, never a traceback."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval_action.inputs.prompts import load_prompt
from eval_action.model.errors import UserError
from eval_action.model.specs import Config

CORPUS = Path(__file__).parent.parent / "badinput"

# file, what the message must say, where it must point ("path" or "path:line")
BAD = [
    ("malformed.prompt.yaml", "invalid YAML", "malformed.prompt.yaml:4"),
    ("alias-bomb.prompt.yaml", "aliases expand to over", "alias-bomb.prompt.yaml:"),
    ("recursive-anchor.prompt.yaml", "refers to its own anchor", "recursive-anchor.prompt.yaml:2"),  # the anchor
    ("binary.prompt.yaml", "binary file", "binary.prompt.yaml"),
    ("latin1.prompt.yaml", "not valid UTF-8 (byte 0xe9)", "latin1.prompt.yaml:1"),
    ("duplicate-keys.prompt.yaml", "duplicate key `name`", "duplicate-keys.prompt.yaml:4"),
    ("unknown-key.prompt.yaml", "key `scorer` is not allowed here — did you mean `scorers`?",
     "unknown-key.prompt.yaml:6"),
    ("wrong-type.prompt.yaml", "key `evals.min_pass_rate`: input should be a valid number",
     "wrong-type.prompt.yaml:6"),
    ("missing-dataset.prompt.yaml", "dataset `data/nope.jsonl` not found", "missing-dataset.prompt.yaml:5"),
    ("bad-jsonl.prompt.yaml", "invalid JSON", "data/bad.jsonl:3"),
    ("escape.prompt.yaml", "leaves the repository", "escape.prompt.yaml:5"),
    ("absolute.prompt.yaml", "absolute path `/etc/passwd`", "absolute.prompt.yaml:5"),
    ("symlink-out.prompt.yaml", "symlink pointing outside the repository", "symlink-out.prompt.yaml:5"),
    ("template-syntax.prompt.md", "template syntax error", "template-syntax.prompt.md:9"),
    ("zero-cases.prompt.yaml", "a gate over zero cases would pass silently", "zero-cases.prompt.yaml:5"),
    ("no-evals.prompt.yaml", "no eval cases — add `evals.dataset` or `evals.cases`", "no-evals.prompt.yaml"),
    ("unknown-provider.prompt.yaml", "no provider named `claud` — configured providers: default",
     "unknown-provider.prompt.yaml:2"),
    ("bad-provider-type.prompt.yaml", "key `provider.type`: input should be 'openai'",
     "bad-provider-type.prompt.yaml:2"),
    ("duplicate-ids.prompt.yaml", "repeats the row at duplicate-ids.prompt.yaml:6",
     "duplicate-ids.prompt.yaml:7"),
    ("unclosed-front-matter.prompt.md", "never closes", "unclosed-front-matter.prompt.md:1"),
    ("stray-tag.prompt.mdx", "`<User>` has no matching tag", "stray-tag.prompt.mdx:7"),
    ("tool-role.prompty", "the `tool:` role is not supported", "tool-role.prompty:7"),
    ("literal-key.prompty", "`api_key` must be `${env:NAME}`", "literal-key.prompty:7"),
    ("threshold-typo.prompt.yaml", "did you mean `llm-rubric`?", "threshold-typo.prompt.yaml:7"),
    ("bad-csv.prompt.yaml", "row has 3 fields but the header has 2", "data/bad.csv:3"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CORPUS, root)
    (tmp_path / "outside.jsonl").write_text('{"x": 1}\n')
    (root / "data" / "link.jsonl").symlink_to(tmp_path / "outside.jsonl")
    return root


@pytest.mark.parametrize(("name", "says", "where"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_one_line_user_error(repo: Path, name: str, says: str, where: str) -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        load_prompt(Path(name), repo, Config())
    message = str(caught.value)
    assert time.monotonic() - started < 1
    assert "\n" not in message
    assert message.startswith(where + (":" if not where.endswith(":") else "")), message
    assert says in message, message


def test_literal_api_key_is_never_echoed(repo: Path) -> None:
    with pytest.raises(UserError) as caught:
        load_prompt(Path("literal-key.prompty"), repo, Config())
    assert "sk-not-a-real-key" not in str(caught.value)


@pytest.mark.parametrize("name", ["bom.prompt.yaml", "crlf.prompt.md"])
def test_bom_and_crlf_load(repo: Path, name: str) -> None:
    spec = load_prompt(Path(name), repo, Config())
    assert all("\r" not in m.content and "\ufeff" not in m.content for m in spec.messages)
    assert spec.name in ("with-bom", "with-crlf")
    assert len(spec.cases) == 1


def test_crlf_keeps_sections(repo: Path) -> None:
    spec = load_prompt(Path("crlf.prompt.md"), repo, Config())
    assert [(m.role, m.content) for m in spec.messages] == [
        ("system", "Capital only."), ("user", "Capital of {{ country }}?")]


def test_huge_dataset_is_refused_without_reading(repo: Path) -> None:
    big = repo / "data" / "huge.jsonl"
    with big.open("wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: no time spent writing
    prompt = repo / "huge.prompt.yaml"
    prompt.write_text("messages: [{role: user, content: hi}]\nevals: {dataset: data/huge.jsonl}\n")
    started = time.monotonic()
    with pytest.raises(UserError, match="over the 50 MB limit"):
        load_prompt(prompt, repo, Config())
    assert time.monotonic() - started < 1


_CHARS = "ab:-[]{}&*!|>'\"#%@` \n\t,?<>/.\\{}xyz0\u00e9\u2028\x00\x85"
_YAMLISH = st.text(alphabet=st.sampled_from(list(_CHARS)), max_size=200)
_FRONT = st.builds(lambda a, b: f"---\n{a}\n---\n{b}", _YAMLISH, _YAMLISH)


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=300), _YAMLISH, _FRONT),
       suffix=st.sampled_from([".prompt.yaml", ".prompt.md", ".prompt.mdx", ".prompty"]))
def test_arbitrary_text_raises_only_user_error(fuzz_repo: Path, text: str, suffix: str) -> None:
    file = fuzz_repo / f"fuzz{suffix}"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_prompt(file, fuzz_repo, Config())
    except UserError as e:
        assert "\n" not in str(e)
        assert str(e).startswith(f"fuzz{suffix}")


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True),
                     st.sampled_from(["", "x", "{{ x }}", "{% if %}", "../x", "/abs", "a.py:f", "user",
                                      "data.jsonl", "default", "openai", "python", "contains"]))
_KEYS = st.sampled_from(["name", "provider", "params", "messages", "evals", "dataset", "cases", "scorers",
                         "type", "value", "role", "content", "vars", "id", "expected", "model",
                         "min_pass_rate", "repeats", "score_thresholds", "function", "command", "x",
                         "threshold"])
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_KEYS, inner, max_size=5)),
                       max_leaves=25)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_arbitrary_structure_raises_only_user_error(fuzz_repo: Path, data: dict[str, object]) -> None:
    file = fuzz_repo / "shape.prompt.yaml"
    file.write_text(json.dumps(data))  # JSON is YAML
    try:
        load_prompt(file, fuzz_repo, Config())
    except UserError as e:
        assert "\n" not in str(e)


@pytest.mark.parametrize(("name", "text", "line"), [
    ("block.prompt.yaml", "messages:\n  - role: system\n    content: You are terse.\n  - role: user\n"
     "    content: |\n      Country: {{ country }}\n      Capital of {{ contry }}?\n", 7),
    ("inline.prompt.yaml", "messages:\n  - {role: user, content: \"Capital of {{ contry }}?\"}\n", 2),
    ("body.prompt.md", "---\nevals:\n  dataset: data.jsonl\n  scorers: [{type: icontains, value: x}]\n---\n"
     "<System>Be terse.</System>\n<User>\nCountry: {{ country }}\nCapital of {{ contry }}?\n</User>\n", 9),
])
def test_an_undefined_variable_names_the_template_line_and_the_dataset_row(
        tmp_path: Path, name: str, text: str, line: int) -> None:
    from eval_action.inputs.templating import render_messages

    evals = "evals:\n  dataset: data.jsonl\n  scorers: [{type: icontains, value: x}]\n"
    (tmp_path / name).write_text(text if name.endswith(".md") else text + evals)
    (tmp_path / "data.jsonl").write_text('{"id": "fr", "vars": {"country": "France"}}\n'
                                         '{"id": "de", "vars": {"country": "Germany"}}\n')
    spec = load_prompt(Path(name), tmp_path, Config())
    with pytest.raises(UserError) as raised:
        render_messages(spec, spec.cases[1], tmp_path)
    assert str(raised.value).startswith(f"{name}:{line}: template uses an undefined variable ('contry' is "
                                        "undefined) for the row at data.jsonl:2 — ")
