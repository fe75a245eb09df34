"""GitHub Models `*.prompt.yml` files: GitHub's own examples load, map and score as `gh models eval` would."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.github import pick_choice, rubric, string_check
from eval_action.inputs.prompts import find_prompt_files, load_prompt
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, NotAnEval, PromptSpec, ProviderSpec, ScorerSpec

FIXTURES = Path(__file__).parents[1] / "fixtures/formats/github-models"


def copy_fixture(tmp_path: Path, name: str, as_name: str | None = None) -> Path:
    shutil.copy(FIXTURES / name, tmp_path / (as_name or name))
    return tmp_path / (as_name or name)


def load(tmp_path: Path, name: str, config: Config | None = None) -> PromptSpec:
    copy_fixture(tmp_path, name)
    spec = load_prompt(Path(name), tmp_path, config or Config())
    assert isinstance(spec, PromptSpec)
    return spec


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_github_models_files_are_found_by_the_default_globs(tmp_path: Path) -> None:
    copy_fixture(tmp_path, "sample.prompt.yml")
    (tmp_path / "prompts").mkdir()
    copy_fixture(tmp_path, "test_builtins.prompt.yml", "prompts/builtins.prompt.yml")
    assert find_prompt_files(tmp_path, Config().prompts) == ["prompts/builtins.prompt.yml", "sample.prompt.yml"]


def test_github_models_test_data_rows_are_the_cases(tmp_path: Path) -> None:
    spec = load(tmp_path, "sample.prompt.yml")
    assert spec.kind == "github" and spec.name == "Sample Evaluation"
    assert [(c.vars, c.expected) for c in spec.cases] == [
        ({"input": "hello world", "string": "hello"}, "greeting response"),
        ({"input": "goodbye world", "string": "goodbye"}, "farewell response"),
    ]
    assert [m.role for m in spec.messages] == ["system", "user"]


def test_github_models_string_evaluators_map_to_github_string(tmp_path: Path) -> None:
    spec = load(tmp_path, "failing_test.prompt.yml")
    assert [(s.type, s.label, s.options) for s in spec.scorers] == [
        ("github/string", "contains-impossible", {"contains": "this-text-will-never-appear-in-any-response"}),
        ("github/string", "starts-with-wrong", {"startsWith": "ZZZZZ"}),
    ]


def test_github_models_builtin_judges_grade_with_gpt_4o_on_github_models(tmp_path: Path) -> None:
    spec = load(tmp_path, "test_builtins.prompt.yml")
    assert [s.type for s in spec.scorers] == ["github/similarity", "github/coherence", "github/fluency",
                                             "github/relevance", "github/groundedness"]
    assert all(s.provider == ProviderSpec(type="github", model="openai/gpt-4o") for s in spec.scorers)


def test_github_models_judges_use_the_configured_grader_when_there_is_one(tmp_path: Path) -> None:
    config = Config.model_validate({"defaults": {"grader": "default"}})
    spec = load(tmp_path, "test_single_evaluator.prompt.yml", config)
    assert spec.scorers[0].type == "github/fluency" and spec.scorers[0].provider is None


def test_github_models_model_goes_to_github_models_own_endpoint(tmp_path: Path) -> None:
    spec = load(tmp_path, "sample.prompt.yml")
    assert spec.provider == ProviderSpec(type="github", model="openai/gpt-4o") and spec.provider_name is None


def test_github_models_model_goes_to_the_config_github_provider(tmp_path: Path) -> None:
    gateway = ProviderSpec(type="openai", model="x", base_url="https://gateway.example/v1")
    config = Config(providers={"default": ProviderSpec(type="openai", model="m"), "github": gateway})
    spec = load(tmp_path, "sample.prompt.yml", config)
    assert spec.provider == gateway.model_copy(update={"model": "openai/gpt-4o"})
    assert spec.provider_name == "github"  # a change to that entry re-runs the prompt


def test_github_models_model_parameters_become_request_params(tmp_path: Path) -> None:
    assert load(tmp_path, "sample.prompt.yml").params == {"max_tokens": 50, "temperature": 0.5}
    write(tmp_path, "p.prompt.yml", "model: m\nmodelParameters: {topP: 0.9, maxTokens: 5, seed: 1}\n"
          "messages: [{role: User, content: hi}]\ntestData: [{a: 1}]\n"
          "evaluators: [{name: e, string: {contains: x}}]\n")
    spec = load_prompt(Path("p.prompt.yml"), tmp_path, Config())
    assert isinstance(spec, PromptSpec)
    assert spec.params == {"max_tokens": 5, "top_p": 0.9, "seed": 1} and spec.messages[0].role == "user"


def test_github_models_json_schema_response_format(tmp_path: Path) -> None:
    response_format = load(tmp_path, "json_schema.prompt.yml").params["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "animal_description"
    assert response_format["json_schema"]["schema"]["required"] == ["name", "habitat", "diet"]


def test_github_models_json_object_response_format(tmp_path: Path) -> None:
    assert load(tmp_path, "json_response.prompt.yml").params == {"response_format": {"type": "json_object"}}


def test_github_models_json_schema_without_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: m\nresponseFormat: json_schema\njsonSchema: '{\"schema\": {}}'\n"
          "messages: [{role: user, content: hi}]\ntestData: [{a: 1}]\nevaluators: [{name: e, string: {contains: x}}]\n")
    with pytest.raises(UserError, match=r"^p\.prompt\.yml:3: `responseFormat: json_schema` needs `jsonSchema` with"):
        load_prompt(Path("p.prompt.yml"), tmp_path, Config())


@pytest.mark.parametrize("name", ["advanced_template.prompt.yml", "template_variables.prompt.yml",
                                  "test_generate.prompt.yml"])
def test_github_models_file_without_test_data_or_evaluators_is_not_an_eval(tmp_path: Path, name: str) -> None:
    copy_fixture(tmp_path, name)
    assert load_prompt(Path(name), tmp_path, Config()) == NotAnEval(name)


def test_github_models_named_prompt_yaml_is_read_the_same(tmp_path: Path) -> None:
    copy_fixture(tmp_path, "sample.prompt.yml", "sample.prompt.yaml")
    spec = load_prompt(Path("sample.prompt.yaml"), tmp_path, Config())
    assert isinstance(spec, PromptSpec) and spec.kind == "github" and len(spec.cases) == 2


def test_github_models_misspelt_key_gets_a_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: m\nmessages: [{role: user, content: hi}]\ntestdata: [{a: 1}]\n")
    with pytest.raises(UserError, match=r"^p\.prompt\.yml:3: key `testdata` is not a GitHub Models key — did you "
                                        r"mean `testData`\?"):
        load_prompt(Path("p.prompt.yml"), tmp_path, Config())


def test_github_models_unknown_builtin_evaluator_names_the_five(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: m\nmessages: [{role: user, content: hi}]\ntestData: [{a: 1}]\n"
          "evaluators:\n  - {name: e, uses: github/toxicity}\n")
    with pytest.raises(UserError, match=r"^p\.prompt\.yml:5: evaluator `github/toxicity` is not one of GitHub's "
                                        r"built-in evaluators — use github/similarity, github/relevance"):
        load_prompt(Path("p.prompt.yml"), tmp_path, Config())


def test_github_models_custom_llm_evaluator_maps_to_github_llm(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: openai/gpt-4o-mini\nmessages: [{role: user, content: hi}]\n"
          "testData: [{a: 1}]\nevaluators:\n  - name: nice\n    llm:\n      modelId: openai/gpt-4.1\n"
          "      prompt: 'is {{completion}} a nice message?'\n      choices: [{choice: 'no', score: 0}, "
          "{choice: 'yes', score: 1}]\n      systemPrompt: only ever respond with yes or no\n")
    spec = load_prompt(Path("p.prompt.yml"), tmp_path, Config())
    assert isinstance(spec, PromptSpec)
    scorer = spec.scorers[0]
    assert scorer.type == "github/llm" and scorer.provider == ProviderSpec(type="github", model="openai/gpt-4.1")
    assert scorer.options["choices"] == [{"choice": "no", "score": 0.0}, {"choice": "yes", "score": 1.0}]


def test_github_models_keys_mixed_with_ours_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: m\nmessages: [{role: user, content: hi}]\nevals: {cases: [{a: 1}]}\n")
    with pytest.raises(UserError, match=r"^p\.prompt\.yml:3: `evals` is eval-action's key, but this is a GitHub"):
        load_prompt(Path("p.prompt.yml"), tmp_path, Config())


def test_github_models_evaluators_without_test_data_is_zero_cases(tmp_path: Path) -> None:
    write(tmp_path, "p.prompt.yml", "model: m\nmessages: [{role: user, content: hi}]\n"
          "evaluators: [{name: e, string: {contains: x}}]\n")
    with pytest.raises(UserError, match=r"`testData` is empty — add at least one case"):
        load_prompt(Path("p.prompt.yml"), tmp_path, Config())


# ---------------------------------------------------------------- the scorers, as GitHub runs them
class _NoGrader:
    async def complete(self, provider: object, messages: object) -> str:
        raise AssertionError("no model call expected")

    async def embed(self, provider: object, texts: object) -> list[list[float]]:
        raise AssertionError("no model call expected")


def ctx(output: str) -> ScoreContext:
    return ScoreContext(output=output, vars={}, expected=None, case_id="c", prompt="p.prompt.yml",
                        prompt_dir=Path("."), repo_root=Path("."), grader=_NoGrader())


@pytest.mark.parametrize(("check", "value", "output", "passed"), [
    ("contains", "HELLO", "well, hello there", True),  # GitHub lowercases both sides
    ("startsWith", "summary -", "  Summary - a fox", True),  # and trims the reply
    ("endsWith", "Done.", "all done.\n", True),
    ("equals", "Paris", " Paris\n", True),
    ("equals", "paris", "Paris", False),  # equals is exact
    ("contains", "x", "abc", False),
])
def test_github_string_check_follows_gh_models(check: str, value: str, output: str, passed: bool) -> None:
    spec = ScorerSpec.model_validate({"type": "github/string", check: value})
    score = asyncio.run(string_check(spec, ctx(output)))
    assert score.passed is passed and score.score == (1.0 if passed else 0.0)


def test_judge_rating_is_read_from_the_last_line_naming_a_choice() -> None:
    choices = rubric("coherence")["choices"]
    reply = "Let's think step by step: on a scale of 1 to 5 this flows well.\nExplanation: clear.\n4"
    assert pick_choice(reply, choices) == ("4", 0.75)
    assert pick_choice("Score: **5**", choices) == ("5", 1.0)
    assert pick_choice("yes", [{"choice": "no", "score": 0}, {"choice": "yes", "score": 1}]) == ("yes", 1.0)


def test_github_rubrics_are_githubs_published_text() -> None:
    similarity = rubric("similarity")
    assert similarity["prompt"].startswith("Equivalence, as a metric, measures the similarity")
    assert similarity["prompt"].endswith("question: {{input}}\ncorrect answer: {{expected}}\n"
                                         "predicted answer: {{completion}}\nstars:")
    assert [c["score"] for c in similarity["choices"]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert "CONTEXT: {{expected}}" in rubric("groundedness")["prompt"]
    assert all(rubric(n)["model"] == "openai/gpt-4o" for n in ("relevance", "fluency", "coherence"))
