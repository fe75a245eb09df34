"""discovery.select: which prompts a change selects, and why."""

from __future__ import annotations

import time

import pytest

from eval_action.inputs.globs import compile_globs
from eval_action.model.specs import (
    Config,
    Defaults,
    Dependency,
    Message,
    Price,
    PromptSpec,
    ProviderSpec,
    ScorerSpec,
    Trigger,
)
from eval_action.selection.changes import FileChange
from eval_action.selection.discovery import Selected, select, select_all

GPT = ProviderSpec(type="openai", model="gpt-4o-mini")
CLAUDE = ProviderSpec(type="anthropic", model="claude-haiku-4-5")


def spec(
    path: str,
    *deps: tuple[str, str],
    provider: str | None = "default",
    model: str = "gpt-4o-mini",
    scorers: list[ScorerSpec] | None = None,
) -> PromptSpec:
    return PromptSpec(
        path=path,
        name=path.rsplit("/", 1)[-1],
        kind="yaml",
        provider_name=provider,
        provider=ProviderSpec(type="openai", model=model),
        messages=[Message(role="user", content="{{ q }}")],
        cases=[],
        scorers=scorers or [],
        dependencies=[Dependency.model_validate({"path": p, "kind": k}) for p, k in deps],
    )


def picked(
    changes: list[FileChange],
    prompts: list[PromptSpec],
    head: Config | None = None,
    base: Config | None = None,
    config_path: str = "eval-action.yaml",
) -> dict[str, list[str]]:
    """Selected path -> reasons; the base config defaults to the head's (config unchanged)."""
    head = head or Config()
    selection = select(changes, prompts, head, base or head, config_path)
    return {s.path: s.reasons for s in selection.selected}


# ---------------------------------------------------------------- globs
@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/*.prompt.yaml", "a.prompt.yaml", True),
        ("**/*.prompt.yaml", "x/y/a.prompt.yaml", True),
        ("**/*.prompt.yaml", "x/a.prompt.yamlx", False),
        ("*.md", "docs/a.md", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/pkg/a.py", False),
        ("src/agent/**", "src/agent/x/tool.py", True),
        ("src/agent/**", "src/agentx/tool.py", False),
        ("src/agent/", "src/agent/tool.py", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "ab", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file/.txt", False),
        ("v[12].txt", "v2.txt", True),
        ("v[!12].txt", "v2.txt", False),
        ("v[!12].txt", "v3.txt", True),
        ("a.b", "axb", False),
        ("foo**", "foobar", True),
        ("foo**", "foo/bar", False),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_globs([pattern]).match(path)) is matches


def test_no_globs_match_nothing() -> None:
    assert compile_globs([]).match("anything") is False


# ---------------------------------------------------------------- the prompt file itself
def test_prompt_edit_add_rename_and_delete() -> None:
    prompts = [
        spec("p/edit.prompt.yaml"),
        spec("p/new.prompt.yaml"),
        spec("p/moved.prompt.yaml"),
        spec("p/x.prompt.yaml"),
    ]
    changes = [
        FileChange("M", "p/edit.prompt.yaml"),
        FileChange("A", "p/new.prompt.yaml"),
        FileChange("R", "p/moved.prompt.yaml", "p/old.prompt.yaml"),
        FileChange("D", "p/gone.prompt.yaml"),
        FileChange("R", "p/now-plain.yaml", "p/was.prompt.yaml"),
        FileChange("D", "notes.txt"),
    ]
    selection = select(changes, prompts, Config(), Config())
    assert selection.selected == [
        Selected("p/edit.prompt.yaml", ["prompt file changed"]),
        Selected("p/new.prompt.yaml", ["prompt file added"]),
        Selected("p/moved.prompt.yaml", ["prompt file renamed from p/old.prompt.yaml"], "p/old.prompt.yaml"),
    ]
    assert selection.removed == ["p/gone.prompt.yaml", "p/was.prompt.yaml"]
    assert selection.notes == []


def test_nothing_relevant_changed_selects_nothing() -> None:
    prompts = [spec("p/a.prompt.yaml", ("p/data/a.jsonl", "dataset"))]
    assert picked([FileChange("M", "README.md"), FileChange("M", "p/data/b.jsonl")], prompts) == {}


# ---------------------------------------------------------------- dependencies
@pytest.mark.parametrize("kind", ["dataset", "scorer", "schema", "include", "target", "file"])
def test_each_dependency_kind(kind: str) -> None:
    prompts = [spec("p/a.prompt.yaml", ("p/dep.txt", kind)), spec("p/b.prompt.yaml")]
    assert picked([FileChange("M", "p/dep.txt")], prompts) == {
        "p/a.prompt.yaml": [f"{kind} p/dep.txt changed"]
    }


def test_shared_dataset_selects_every_user_and_deletion_is_named() -> None:
    prompts = [spec(f"p/{n}.prompt.yaml", ("data/shared.csv", "dataset")) for n in "abc"]
    got = picked([FileChange("D", "data/shared.csv")], prompts)
    assert got == {f"p/{n}.prompt.yaml": ["dataset data/shared.csv deleted"] for n in "abc"}


def test_folder_dependency_matches_by_prefix() -> None:
    prompts = [
        spec("p/a.prompt.yaml", ("src/agent/", "target")),
        spec("p/b.prompt.yaml", ("src/agentx/", "target")),
    ]
    got = picked([FileChange("M", "src/agent/tools/search.py")], prompts)
    assert got == {"p/a.prompt.yaml": ["target src/agent/ changed (src/agent/tools/search.py)"]}


def test_renamed_dependency_matches_its_old_path() -> None:
    prompts = [spec("p/a.prompt.yaml", ("p/old.jsonl", "dataset"))]
    got = picked([FileChange("R", "p/new.jsonl", "p/old.jsonl")], prompts)
    assert got == {"p/a.prompt.yaml": ["dataset p/old.jsonl renamed"]}


def test_reasons_accumulate_without_duplicates() -> None:
    prompts = [spec("p/a.prompt.yaml", ("p/d.jsonl", "dataset"), ("p/d.jsonl", "dataset"))]
    got = picked([FileChange("M", "p/a.prompt.yaml"), FileChange("M", "p/d.jsonl")], prompts)
    assert got == {"p/a.prompt.yaml": ["prompt file changed", "dataset p/d.jsonl changed"]}


# ---------------------------------------------------------------- config entries
CONFIG_CHANGED = [FileChange("M", "eval-action.yaml")]


def test_provider_change_selects_only_its_users() -> None:
    base = Config(providers={"default": GPT, "claude": CLAUDE})
    head = Config(
        providers={"default": GPT, "claude": CLAUDE.model_copy(update={"model": "claude-sonnet-4-5"})}
    )
    prompts = [
        spec("p/a.prompt.yaml", provider="claude"),
        spec("p/b.prompt.yaml"),
        spec("p/c.prompt.yaml", provider=None),
    ]
    got = picked(CONFIG_CHANGED, prompts, head=head, base=base)
    assert got == {"p/a.prompt.yaml": ['provider "claude" changed in eval-action.yaml']}


def test_unrelated_provider_change_selects_nothing() -> None:
    base = Config(providers={"default": GPT})
    head = Config(providers={"default": GPT, "unused": CLAUDE})
    assert picked(CONFIG_CHANGED, [spec("p/a.prompt.yaml")], head=head, base=base) == {}


def test_grader_providers_count_as_used() -> None:
    base = Config(providers={"default": GPT, "judge": GPT}, defaults=Defaults(grader="judge"))
    head = base.model_copy(update={"providers": {"default": GPT, "judge": CLAUDE}})
    prompts = [
        spec("p/named.prompt.yaml", scorers=[ScorerSpec(type="factuality", provider="judge")]),
        spec("p/default.prompt.yaml", scorers=[ScorerSpec(type="not-llm-rubric", value="rude")]),
        spec("p/plain.prompt.yaml", scorers=[ScorerSpec(type="contains", value="x")]),
    ]
    got = picked(CONFIG_CHANGED, prompts, head=head, base=base)
    assert set(got) == {"p/named.prompt.yaml", "p/default.prompt.yaml"}


def test_defaults_change_reruns_everything() -> None:
    head = Config(defaults=Defaults(min_pass_rate=90))
    prompts = [spec("p/a.prompt.yaml"), spec("p/b.prompt.yaml", provider=None)]
    got = picked(CONFIG_CHANGED, prompts, head=head, base=Config())
    assert got == {p.path: ["defaults changed in eval-action.yaml"] for p in prompts}


def test_pricing_change_reruns_prompts_of_that_model() -> None:
    head = Config(pricing={"gpt-4o-mini": Price(input_per_mtok=1)})
    prompts = [spec("p/a.prompt.yaml"), spec("p/b.prompt.yaml", model="other")]
    got = picked(CONFIG_CHANGED, prompts, head=head, base=Config())
    assert got == {"p/a.prompt.yaml": ['pricing for "gpt-4o-mini" changed in eval-action.yaml']}


def test_broadened_prompt_globs_select_the_newly_matched() -> None:
    base = Config(prompts=["p/**/*.prompt.yaml"])
    head = Config(prompts=["**/*.prompt.yaml"])
    got = picked(CONFIG_CHANGED, [spec("p/a.prompt.yaml"), spec("q/b.prompt.yaml")], head=head, base=base)
    assert got == {"q/b.prompt.yaml": ["newly matched by the prompts globs in eval-action.yaml"]}


def test_config_change_without_a_base_config_runs_all_with_a_note() -> None:
    selection = select([FileChange("A", "eval-action.yaml")], [spec("p/a.prompt.yaml")], Config(), None)
    assert selection.selected == [Selected("p/a.prompt.yaml", ["eval-action.yaml changed"])]
    assert "base version is unavailable" in selection.notes[0]


def test_config_is_compared_only_when_its_file_changed() -> None:
    head = Config(defaults=Defaults(min_pass_rate=90))
    assert picked([FileChange("M", "README.md")], [spec("p/a.prompt.yaml")], head=head, base=Config()) == {}


# ---------------------------------------------------------------- triggers
def test_trigger_runs_matching_prompts_and_names_the_path() -> None:
    head = Config(triggers=[Trigger(when="src/agent/**", run="prompts/agent/**")])
    prompts = [spec("prompts/agent/a.prompt.yaml"), spec("prompts/other.prompt.yaml")]
    got = picked([FileChange("M", "src/agent/tool.py")], prompts, head=head)
    assert got == {"prompts/agent/a.prompt.yaml": ['trigger "src/agent/**" matched src/agent/tool.py']}
    assert picked([FileChange("M", "src/other.py")], prompts, head=head) == {}


def test_trigger_globs_are_relative_to_the_config_folder() -> None:
    head = Config(triggers=[Trigger(when="src/*.py", run="prompts/*.prompt.yaml")])
    prompts = [spec("svc/prompts/a.prompt.yaml"), spec("prompts/a.prompt.yaml")]
    got = picked([FileChange("M", "svc/src/app.py")], prompts, head=head, config_path="svc/eval-action.yaml")
    assert got == {"svc/prompts/a.prompt.yaml": ['trigger "src/*.py" matched svc/src/app.py']}


def test_select_all() -> None:
    selection = select_all([spec("a.prompt.yaml"), spec("b.prompt.yaml")], "--all given")
    assert [(s.path, s.reasons) for s in selection.selected] == [
        ("a.prompt.yaml", ["--all given"]),
        ("b.prompt.yaml", ["--all given"]),
    ]
    assert selection.removed == []


def test_large_repository_is_selected_quickly() -> None:
    prompts = [
        spec(
            f"p/{i // 100}/{i}.prompt.yaml", (f"data/{i % 50}.jsonl", "dataset"), (f"src/m{i % 7}/", "target")
        )
        for i in range(5000)
    ]
    changes = [FileChange("M", f"src/other/f{i}.py") for i in range(19)] + [FileChange("M", "data/3.jsonl")]
    head = Config(triggers=[Trigger(when="lib/**", run="p/1/**")])
    start = time.perf_counter()
    selection = select(changes, prompts, head, head)
    assert time.perf_counter() - start < 1.0
    assert len(selection.selected) == 100
