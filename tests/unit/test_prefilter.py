"""The prefilter: only prompts whose text (or partials) names a changed path are loaded.

It must never drop a prompt `discovery.select` would pick: the main test changes every file of a
repository holding every kind of dependency, one at a time, and checks exactly that.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval_action.inputs.config import load_config
from eval_action.inputs.prompts import load_prompt
from eval_action.inputs.prompts.files import scan_tree
from eval_action.model.specs import PromptSpec
from eval_action.selection.changes import ChangeSet, FileChange
from eval_action.selection.discovery import select
from eval_action.selection.prefilter import candidates, touches_prompt_files

CONFIG = """\
providers:
  default: {type: openai, model: m, base_url: "http://127.0.0.1:9/v1"}
  agent: {type: python, function: "agent.app:run"}
  cli: {type: command, command: [node, bin/agent.js]}
triggers:
  - {when: "src/agent/**", run: "prompts/agentic/**"}
"""
EVALS = "evals: {cases: [{vars: {q: hi}}]}\n"
FILES = {
    "eval-action.yaml": CONFIG,
    "prompts/qa.prompt.yaml": """\
messages: [{role: user, content: "{{ q }}"}]
evals:
  dataset: ../data/qa.jsonl
  scorers:
    - {type: python, value: "checks.py:fn"}
    - {type: python, value: "lib.scoring:fn"}
    - {type: json-schema, value: schemas/answer.json}
""",
    "prompts/inline.prompt.yaml": 'provider: {type: python, function: "tools.pkg:run"}\n'
                                  'messages: [{role: user, content: hi}]\n' + EVALS,
    "prompts/chain.prompt.md": "---\n" + EVALS + "---\n{% include 'partials/a.j2' %} {{ q }}\n",
    "prompts/linked.prompt.yaml": "messages: [{role: user, content: hi}]\nevals: {dataset: ../data/alias.jsonl}\n",
    "prompts/escaped.prompt.yaml": 'messages: [{role: user, content: hi}]\nevals: {dataset: "../data/q\\x61.jsonl"}\n',
    "prompts/agentic/agent.prompt.yaml": "provider: agent\nmessages: [{role: user, content: hi}]\n" + EVALS,
    "prompts/cli.prompt.yaml": "provider: cli\nmessages: [{role: user, content: hi}]\n" + EVALS,
    "prompts/other.prompt.yaml": "messages: [{role: user, content: hi}]\nevals: {dataset: ../data/other.jsonl}\n",
    "prompts/am.prompt.mdx": "---\ntest_settings: {dataset: ../data/mdx.jsonl, evals: [exact_match]}\n---\n"
                             "<User>{props.q}</User>\n",
    "prompts/comp.prompt.mdx": "---\ntest_settings: {cases: [{input: {q: hi}}], evals: [exact_match]}\n---\n"
                               "import Outer from './parts/outer.mdx';\n<User><Outer /></User>\n",
    "prompts/parts/outer.mdx": "import Inner from './inner.mdx';\nSay: <Inner />\n",
    "prompts/parts/inner.mdx": "{props.q}\n",
    "prompts/p.prompty": "---\nname: p\nsample: {q: hi}\n---\nuser:\n{{ q }}\n",
    "prompts/ref.prompty": "---\nsample: ${file:../data/shared_vars.json}\n"
                           "evals: {scorers: [{type: contains, value: ok}]}\n---\nuser:\n{{ q }}\n",
    "data/shared_vars.json": '{"q": "e"}',
    "prompts/checks.py": "def fn(output, context): return True\n",
    "prompts/schemas/answer.json": "{}",
    "lib/scoring.py": "def fn(output, context): return True\n",
    "tools/pkg/__init__.py": "def run(messages, context): return ''\n",
    "tools/pkg/deep/x.py": "",
    "agent/app/__init__.py": "def run(messages, context): return ''\n",
    "agent/app/core.py": "",
    "bin/agent.js": "",
    "partials/a.j2": "{% include 'snippets/b.j2' %}",
    "snippets/b.j2": "be brief",
    "data/qa.jsonl": '{"vars": {"q": "a"}}\n',
    "data/real.jsonl": '{"vars": {"q": "b"}}\n',
    "data/other.jsonl": '{"vars": {"q": "c"}}\n',
    "data/mdx.jsonl": '{"props": {"q": "d"}}\n',
    "src/agent/loop.py": "",
    "src/unrelated.py": "",
    "README.md": "docs\n",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    write_tree(root, FILES)
    os.symlink("real.jsonl", root / "data/alias.jsonl")
    return root


def changes(*paths: str, status: str = "M") -> ChangeSet:
    return ChangeSet(base="a" * 40, head="b" * 40, merge_base="a" * 40,
                     files=[FileChange(status=status, path=p) for p in paths], notes=[])  # type: ignore[arg-type]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def picked(root: Path, *paths: str) -> list[str]:
    config = load_config(root)
    return candidates(changes(*paths), scan_tree(root, config.prompts), root, config,
                      root / "eval-action.yaml", "eval-action.yaml")


def assert_nothing_dropped(root: Path, paths: list[str], statuses: tuple[str, ...] = ("M",)) -> None:
    """Changing each path alone: every prompt `select()` picks from all prompts was a candidate."""
    config = load_config(root)
    tree = scan_tree(root, config.prompts)
    specs = [s for p in tree.prompts if isinstance(s := load_prompt(Path(p), root, config), PromptSpec)]
    for path in paths:
        for status in statuses:
            change = changes(path, status=status)
            must = {s.path for s in select(change.files, specs, config, config).selected}
            got = set(candidates(change, tree, root, config, root / "eval-action.yaml", "eval-action.yaml"))
            assert must <= got, f"{path} ({status}): {sorted(must - got)} dropped"


def test_every_prompt_select_would_pick_is_a_candidate(root: Path) -> None:
    assert_nothing_dropped(root, [*FILES, "data/alias.jsonl"], statuses=("M", "D"))


@pytest.mark.parametrize(("paths", "expected"), [
    ((), []),
    (("README.md", "src/unrelated.py"), []),
    (("data/qa.jsonl",), ["prompts/escaped.prompt.yaml", "prompts/qa.prompt.yaml"]),
    (("snippets/b.j2",), ["prompts/chain.prompt.md"]),  # a partial of a partial
    (("data/real.jsonl",), ["prompts/linked.prompt.yaml"]),  # named through a symlink
    (("tools/pkg/deep/x.py",), ["prompts/inline.prompt.yaml"]),  # inside a package a prompt imports
    (("src/agent/loop.py",), ["prompts/agentic/agent.prompt.yaml"]),  # a trigger
    (("DATA/MDX.jsonl",), ["prompts/am.prompt.mdx", "prompts/comp.prompt.mdx"]),  # case-insensitive (comp: `.mdx`)
    (("data/shared_vars.json",), ["prompts/ref.prompty"]),  # a Prompty `${file:…}` reference
    (("prompts/parts/inner.mdx",), ["prompts/comp.prompt.mdx"]),  # a component of a component
])
def test_only_prompts_naming_a_changed_path_are_candidates(root: Path, paths: tuple[str, ...],
                                                           expected: list[str]) -> None:
    escaped = "prompts/escaped.prompt.yaml"  # can't be read word by word: always a candidate
    assert [p for p in picked(root, *paths) if p != escaped] == [p for p in expected if p != escaped]
    assert (escaped in picked(root, *paths)) is bool(paths)


def test_escapes_that_cannot_spell_a_name_are_read_as_words(tmp_path: Path) -> None:
    (tmp_path / "p.prompt.yaml").write_text('messages: [{role: user, content: "dash \\u2014\\n"}]\n' + EVALS)
    assert picked(tmp_path, "README.md") == []


@pytest.mark.parametrize("path", [
    "eval-action.yaml",  # the config itself
    "agent/app/core.py",  # the config names the package
    "bin/agent.js",  # the config names the command's file
    "data/données.jsonl",  # outside ASCII: words can't be compared safely
])
def test_config_level_changes_make_every_prompt_a_candidate(root: Path, path: str) -> None:
    assert picked(root, path) == scan_tree(root, load_config(root).prompts).prompts


@pytest.mark.parametrize("template", [
    "{% include name %}",  # the name is a variable
    "{% include 'partials/' ~ name %}",  # built from pieces
    "{% include ['a.j2', 'b.j2'] %}",  # the first that exists
    "{% include '../outside.j2' %}",
    "{% include 'missing.j2' %}",
])
def test_includes_that_cannot_be_followed_make_a_candidate(tmp_path: Path, template: str) -> None:
    (tmp_path / "p.prompt.md").write_text("---\n" + EVALS + "---\n" + template + "\n")
    assert picked(tmp_path, "README.md") == ["p.prompt.md"]


def test_deleted_prompts_still_count_as_touching_prompt_files(root: Path) -> None:
    config = load_config(root)
    assert touches_prompt_files(changes("prompts/gone.prompt.yaml", status="D"), config)
    assert not touches_prompt_files(changes("README.md"), config)


# ---------------------------------------------------------------- generated repositories
_NAME = st.builds(str.__add__, st.sampled_from("ab"), st.text(alphabet="ab1-_", max_size=2))
_FOLDER = st.lists(st.sampled_from(["data", "a", "ab", "b_1"]), max_size=2)


@st.composite
def _repository(draw: st.DrawFn) -> dict[str, str]:
    """Prompts reading datasets, partials (including partials), scorer modules and packages, with
    names that collide."""
    files: dict[str, str] = {}
    for i in range(draw(st.integers(1, 3))):
        dataset = "/".join([*draw(_FOLDER), draw(_NAME) + ".jsonl"])
        files[dataset] = '{"vars": {"q": "x"}}\n'
        partials = ["/".join([*draw(_FOLDER), draw(_NAME) + ".j2"]) for _ in range(draw(st.integers(0, 2)))]
        for outer, inner in itertools.pairwise(partials):
            files[outer] = f"{{% include '{inner}' %}}"
        if partials:
            files.setdefault(partials[-1], "text")
        package = draw(st.sampled_from(["pkg", "ab", "data"]))
        module = draw(_NAME).replace("-", "_")
        files[f"{package}/__init__.py"] = ""
        if draw(st.booleans()):  # a module file, or a package whose every file is a dependency
            files[f"{package}/{module}.py"] = "def fn(output, context): return True\n"
        else:
            files[f"{package}/{module}/__init__.py"] = "def fn(output, context): return True\n"
            files[f"{package}/{module}/{draw(_NAME)}.py"] = ""
        content = f"{{% include '{partials[0]}' %}}" if partials else "hi"
        files[f"p{i}.prompt.yaml"] = (
            f'messages: [{{role: user, content: "{content}"}}]\n'
            f"evals:\n  dataset: {dataset}\n  scorers: [{{type: python, value: '{package}.{module}:fn'}}]\n")
    return files


@settings(max_examples=40, deadline=None)
@given(_repository())
def test_generated_repositories_never_lose_a_prompt(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), files)
        assert_nothing_dropped(Path(tmp), list(files))
