"""AgentMark `.prompt.mdx` files (written from AgentMark's docs; see the fixtures' README): every mapping."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case
from eval_action.inputs.prompts import load_prompt
from eval_action.inputs.templating import render_messages
from eval_action.model.errors import UserError
from eval_action.model.specs import Case, Config, Dependency, NotAnEval, PromptSpec, ProviderSpec, ScorerSpec
from eval_action.selection.trust import refused_destinations

FIXTURES = Path(__file__).parents[1] / "fixtures/agentmark"
CONFIG = Config(providers={
    "default": ProviderSpec(type="openai", model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1"),
    "claude": ProviderSpec(type="anthropic", model="claude-haiku-4-5", base_url="http://127.0.0.1:9"),
})
EVAL = "test_settings:\n  evals: [exact_match]\n  cases: [{input: {q: hi}, expected_output: hi}]\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "am")
    return tmp_path


def load(repo: Path, rel: str, config: Config = CONFIG) -> PromptSpec:
    spec = load_prompt(Path(rel), repo, config)
    assert isinstance(spec, PromptSpec)
    return spec


def write(repo: Path, rel: str, text: str) -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)
    return rel


def error(repo: Path, rel: str, config: Config = CONFIG) -> UserError:
    with pytest.raises(UserError) as caught:
        load_prompt(Path(rel), repo, config)
    return caught.value


def mdx(front: str, body: str = "<User>{props.q}</User>\n") -> str:
    return f"---\n{front}{EVAL}---\n{body}"


def rendered(spec: PromptSpec, case: Case, repo: Path) -> list[str]:
    return [m.content for m in render_messages(spec, case, repo)]


def test_agentmark_text_config_maps_to_openai_params_and_drops_runtime_keys(repo: Path) -> None:
    spec = load(repo, "am/greeting.prompt.mdx")
    assert spec.provider == CONFIG.providers["default"] and spec.provider_name is None
    # stop_sequences is `stop` for OpenAI; max_calls and max_retries are AgentMark's runtime, never sent
    assert spec.params == {"temperature": 0, "max_tokens": 40, "stop": ["\n\n"]}
    assert [(c.vars, c.expected) for c in spec.cases] == [({"name": "Ada"}, "Hello, Ada!"),
                                                          ({"name": "Grace"}, "Hello, Grace!")]


def test_agentmark_comments_above_front_matter_and_in_the_body_keep_line_numbers(repo: Path) -> None:
    spec = load(repo, "am/greeting.prompt.mdx")
    assert [m.content for m in spec.messages] == ['Reply with "Hello, NAME!" and nothing else.',
                                                  "My name is {{ props.name }}."]
    assert spec.message_lines == [22, 27]  # the file's own lines, comments counted
    text = (repo / "am/greeting.prompt.mdx").read_text().replace("My name is {props.name}.", "{% if %}")
    write(repo, "am/broken.prompt.mdx", text)
    assert error(repo, "am/broken.prompt.mdx").line == 27


def test_agentmark_import_lines_are_blanked_and_errors_still_name_the_line(repo: Path) -> None:
    write(repo, "c.mdx", "Be brief.\n")
    rel = write(repo, "p.prompt.mdx", mdx("", "import C from './c.mdx';\n\n<System><C /></System>\ntext\n"))
    e = error(repo, rel)
    assert (e.line, "text outside the sections" in e.message) == (9, True)


def test_agentmark_object_config_is_a_json_schema_response_format_for_openai(repo: Path) -> None:
    rel = write(repo, "o.prompt.mdx", mdx(
        "object_config:\n  model_name: openai/gpt-4o\n  schema_name: answer\n  schema_description: The reply\n"
        "  schema: {type: object, properties: {a: {type: string}}, required: [a]}\n"))
    spec = load(repo, rel)
    assert spec.provider.model == "gpt-4o" and spec.provider.type == "openai"
    assert spec.params == {"response_format": {"type": "json_schema", "json_schema": {
        "name": "answer", "description": "The reply",
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}}}


def test_agentmark_object_config_for_anthropic_is_its_output_config_and_keeps_its_names(repo: Path) -> None:
    spec = load(repo, "am/classify.prompt.mdx")
    assert spec.provider == CONFIG.providers["claude"]  # the config's anthropic provider
    assert spec.params == {"max_tokens": 100, "top_k": 5, "output_config": {"format": {
        "type": "json_schema",
        "schema": {"type": "object", "properties": {"label": {"type": "string", "enum": ["good", "bad"]}},
                   "required": ["label"]}}}}
    assert [s.type for s in spec.scorers] == ["agentmark/exact_match_json"]


def test_agentmark_an_invalid_object_schema_is_an_error(repo: Path) -> None:
    rel = write(repo, "o.prompt.mdx", mdx("object_config:\n  model_name: gpt-4o\n  schema: {type: objekt}\n"))
    assert "`schema` is not a valid JSON Schema" in error(repo, rel).message


@pytest.mark.parametrize(("model_name", "config", "expected"), [
    ("openai/gpt-4o", CONFIG, ProviderSpec(type="openai", model="gpt-4o", base_url="http://127.0.0.1:9/v1")),
    ("anthropic/claude-sonnet-4-5", CONFIG,
     ProviderSpec(type="anthropic", model="claude-sonnet-4-5", base_url="http://127.0.0.1:9")),
    ("anthropic/claude-sonnet-4-5", Config(), ProviderSpec(type="anthropic", model="claude-sonnet-4-5")),
    ("claude/claude-opus-4", CONFIG,  # a provider of that name
     ProviderSpec(type="anthropic", model="claude-opus-4", base_url="http://127.0.0.1:9")),
    ("my-bedrock-model", CONFIG,
     ProviderSpec(type="openai", model="my-bedrock-model", base_url="http://127.0.0.1:9/v1")),
])
def test_agentmark_provider_slash_model_picks_a_provider_of_that_type(repo: Path, model_name: str, config: Config,
                                                                      expected: ProviderSpec) -> None:
    rel = write(repo, "m.prompt.mdx", mdx(f"text_config:\n  model_name: {model_name}\n"))
    assert load(repo, rel, config).provider == expected


def test_agentmark_an_unknown_provider_prefix_is_an_error_naming_it(repo: Path) -> None:
    rel = write(repo, "m.prompt.mdx", mdx("text_config:\n  model_name: google/gemini-2.5-pro\n"))
    e = error(repo, rel)
    assert e.line == 3 and "`google` is neither openai, anthropic nor a provider of eval-action.yaml" in e.message


@pytest.mark.parametrize(("model", "setting", "says"), [
    ("openai/gpt-4o", "top_k: 3", "`top_k` is not a setting of OpenAI-compatible APIs"),
    ("anthropic/claude-haiku-4-5", "seed: 1", "`seed` is not a setting of Anthropic's Messages API"),
    ("anthropic/claude-haiku-4-5", "presence_penalty: 1", "`presence_penalty` is not a setting of Anthropic"),
])
def test_agentmark_a_setting_the_target_api_lacks_is_an_error(repo: Path, model: str, setting: str,
                                                               says: str) -> None:
    rel = write(repo, "s.prompt.mdx", mdx(f"text_config:\n  model_name: {model}\n  {setting}\n"))
    e = error(repo, rel)
    assert says in e.message and e.line == 4


def test_agentmark_anthropic_keeps_stop_sequences_and_top_k(repo: Path) -> None:
    rel = write(repo, "s.prompt.mdx", mdx(
        "text_config:\n  model_name: anthropic/claude-haiku-4-5\n  top_k: 2\n  stop_sequences: [END]\n"))
    assert load(repo, rel).params == {"top_k": 2, "stop_sequences": ["END"]}


def test_agentmark_evals_names_map_to_our_scorers(repo: Path) -> None:
    rel = write(repo, "e.prompt.mdx", "---\ntest_settings:\n  scores: [exact_match, exact_match_json]\n"
                                      "  cases: [{input: {q: hi}, expected_output: hi}]\n---\n<User>{props.q}</User>\n")
    spec = load(repo, rel)
    assert [(s.type, s.label) for s in spec.scorers] == [("equals", "exact_match"),
                                                          ("agentmark/exact_match_json", "exact_match_json")]


def test_agentmark_an_eval_we_lack_is_one_line_naming_it_and_the_ones_we_know(repo: Path) -> None:
    rel = write(repo, "e.prompt.mdx", "---\ntest_settings:\n  evals: [accuracy, exact_match]\n"
                                      "  cases: [{input: {q: hi}}]\n---\n<User>{props.q}</User>\n")
    e = error(repo, rel)
    assert e.line == 3
    assert "names `accuracy`: an eval function of your AgentMark client" in e.message
    assert "it knows exact_match, exact_match_json" in e.message and "test_settings.scorers" in e.message


def test_agentmark_an_eval_name_may_be_given_as_one_of_our_scorers(repo: Path) -> None:
    spec = load(repo, "am/tone.prompt.mdx")
    assert [(s.type, s.label) for s in spec.scorers] == [("not-contains", "shorter")]


def test_agentmark_exact_match_json_compares_json_expected_output_as_json() -> None:
    spec = ScorerSpec(type="agentmark/exact_match_json", name="exact_match_json")

    def score(output: str, expected: str) -> tuple[bool, str]:
        ctx = ScoreContext(output=output, expected=expected, vars={}, case_id="c", prompt="p", prompt_dir=Path("."),
                           repo_root=Path("."), grader=None)  # type: ignore[arg-type]  # grades nothing
        got = asyncio.run(score_case([spec], ctx))["exact_match_json"]
        return got.passed, got.reason

    assert score('{ "label":"good" }', '{"label": "good"}')[0] is True
    assert score('{"label": "bad"}', '{"label": "good"}')[0] is False
    assert score("good", '{"label": "good"}')[0] is False
    passed, reason = score('{"label": "good"}', "good")
    assert not passed and "the expected output is not JSON" in reason


def test_agentmark_component_is_inlined_with_its_props_and_is_a_dependency(repo: Path) -> None:
    spec = load(repo, "am/tone.prompt.mdx")
    assert Dependency(path="am/components/style.mdx", kind="include") in spec.dependencies
    formal, brief, casual = [rendered(spec, case, repo)[0] for case in spec.cases]
    assert "formal sentences" in formal and "ten words" not in formal and "plainly" not in formal
    assert "Use at most ten words." in brief and "Write plainly." in casual
    assert all(s.startswith("Summarise the text.") and "<" not in s for s in (formal, brief, casual))


def test_agentmark_component_paths_go_through_the_one_path_check(repo: Path) -> None:
    rel = write(repo, "p.prompt.mdx", mdx("", "import C from '../outside.mdx';\n<User><C /></User>\n"))
    assert "leaves the repository" in error(repo, rel).message
    rel = write(repo, "q.prompt.mdx", mdx("", "import C from './c.ts';\n<User><C /></User>\n"))
    assert "is not an .mdx component" in error(repo, rel).message
    rel = write(repo, "r.prompt.mdx", mdx("", "import C from './missing.mdx';\n<User><C /></User>\n"))
    assert "component `./missing.mdx` not found" in error(repo, rel).message


def test_agentmark_a_component_including_itself_stops_with_an_error(repo: Path) -> None:
    write(repo, "loop.mdx", "import Loop from './loop.mdx';\n<Loop />\n")
    rel = write(repo, "p.prompt.mdx", mdx("", "import Loop from './loop.mdx';\n<User><Loop /></User>\n"))
    assert "components nest more than 10 deep" in error(repo, rel).message


@pytest.mark.parametrize(("body", "says"), [
    ("<User><If condition={props.items.map(x => x)}>a</If></User>", "MDX expression"),
    ("<User><ImageAttachment image={props.url} /></User>", "attachments are images and files"),
    ("<User><ForEach arr={props.items.map(f)}>{(item) => (<>{item}</>)}</ForEach></User>", "MDX expression"),
    ("<User><Unknown /></User>", "not a component this file imports"),
    ("export const x = 1;\n<User>hi</User>", "JavaScript imports and exports can't run here"),
    ("<User>{/* never closed </User>", "comment never closes"),
])
def test_agentmark_mdx_we_cannot_honour_is_a_clear_error(repo: Path, body: str, says: str) -> None:
    rel = write(repo, "x.prompt.mdx", mdx("", body + "\n"))
    e = error(repo, rel)
    assert says in e.message and e.line is not None


def test_agentmark_tools_names_take_their_definitions_from_the_file(repo: Path) -> None:
    spec = load(repo, "am/assistant.prompt.mdx")
    assert [t.name for t in spec.tools] == ["get_weather"]
    assert spec.tools[0].parameters["required"] == ["city"]
    assert spec.tool_choice is not None and spec.tool_choice.mode == "required"
    assert spec.params == {}  # max_calls is AgentMark's loop bound, never sent


def test_agentmark_tool_names_without_definitions_are_one_clear_error(repo: Path) -> None:
    rel = write(repo, "t.prompt.mdx", mdx("text_config:\n  tools: [calculate, lookup_rate]\n"))
    e = error(repo, rel)
    assert e.line == 3
    assert "names `calculate`, `lookup_rate`, whose schemas live in your application's code" in e.message
    rel = write(repo, "u.prompt.mdx", mdx("text_config:\n  tools: ['mcp://search/web']\n"))
    assert "an MCP server's" in error(repo, rel).message


def test_agentmark_older_inline_tool_definitions_and_a_named_tool_choice(repo: Path) -> None:
    rel = write(repo, "t.prompt.mdx", mdx(
        "text_config:\n  tool_choice: {type: tool, tool_name: add}\n  tools:\n    add:\n      description: Adds\n"
        "      parameters: {type: object, properties: {a: {type: number}}}\n"))
    spec = load(repo, rel)
    assert [(t.name, t.description) for t in spec.tools] == [("add", "Adds")]
    assert spec.tool_choice is not None and (spec.tool_choice.mode, spec.tool_choice.name) == ("tool", "add")


def test_agentmark_props_alone_and_image_prompts_are_not_evals(repo: Path) -> None:
    assert load_prompt(Path("am/playground.prompt.mdx"), repo, CONFIG) == NotAnEval("am/playground.prompt.mdx")
    picture = load_prompt(Path("am/picture.prompt.mdx"), repo, CONFIG)
    assert isinstance(picture, NotAnEval) and "image_config" in picture.reason


def test_agentmark_an_image_prompt_with_evals_is_an_error(repo: Path) -> None:
    rel = write(repo, "i.prompt.mdx", mdx("speech_config: {model_name: tts-1, voice: nova}\n"))
    e = error(repo, rel)
    assert e.line == 2 and "`speech_config` prompts make images or audio" in e.message


def test_agentmark_text_and_object_config_together_is_an_error(repo: Path) -> None:
    rel = write(repo, "b.prompt.mdx", mdx("text_config: {model_name: a}\nobject_config: {model_name: b, schema: {}}\n"))
    assert "give one of text_config, object_config" in error(repo, rel).message


def test_agentmark_a_misspelt_config_key_gets_a_did_you_mean(repo: Path) -> None:
    rel = write(repo, "k.prompt.mdx", mdx("text_config:\n  model_name: gpt-4o\n  stop_sequence: [x]\n"))
    e = error(repo, rel)
    assert e.line == 4 and "stop_sequences" in e.message


def test_agentmark_providers_from_model_names_are_checked_against_the_base(repo: Path) -> None:
    """A head's `model_name` may change the model, never where the request and its key go."""
    rel = write(repo, "m.prompt.mdx", mdx("text_config:\n  model_name: anthropic/claude-opus-4\n"))
    openai_only = Config(providers={"default": CONFIG.providers["default"]})
    refused = refused_destinations(load(repo, rel, openai_only), openai_only, openai_only)
    assert refused and "target of m.prompt.mdx: type" in refused[0]
    assert refused_destinations(load(repo, rel), CONFIG, CONFIG) == []  # the base's own anthropic provider


def test_agentmark_components_multiplying_inside_components_are_bounded(repo: Path) -> None:
    write(repo, "c0.mdx", "x" * 1000 + "\n")
    for level in range(1, 6):
        uses = f"<C{level - 1} />" * 12
        write(repo, f"c{level}.mdx", f"import C{level - 1} from './c{level - 1}.mdx';\n{uses}\n")
    rel = write(repo, "p.prompt.mdx", mdx("", "import C5 from './c5.mdx';\n<User><C5 /></User>\n"))
    assert "components expand to more than 10,000,000 characters" in error(repo, rel).message


def test_agentmark_a_component_with_children_says_how_to_write_it(repo: Path) -> None:
    write(repo, "c.mdx", "Be brief.\n")
    rel = write(repo, "p.prompt.mdx", mdx("", "import C from './c.mdx';\n<User><C>child</C></User>\n"))
    assert "write it as `<C … />`" in error(repo, rel).message


def test_agentmark_a_dataset_without_evals_says_to_add_them(repo: Path) -> None:
    write(repo, "d.jsonl", '{"input": {"q": "hi"}, "expected_output": "hi"}\n')
    rel = write(repo, "d.prompt.mdx", "---\ntest_settings:\n  dataset: d.jsonl\n---\n<User>{props.q}</User>\n")
    e = error(repo, rel)
    assert e.line == 2 and "test_settings has cases but no evals" in e.message and "evals: [exact_match]" in e.message


def test_agentmark_datasets_are_relative_to_its_prompts_folder_when_agentmark_json_says_so(repo: Path) -> None:
    """AgentMark reads `test_settings.dataset` from `<agentmarkPath>/agentmark/`, wherever the prompt is."""
    write(repo, "app/agentmark.json", '{"agentmarkPath": "src"}')
    write(repo, "app/src/agentmark/data/rows.jsonl", '{"input": {"q": "hi"}, "expected_output": "hi"}\n')
    rel = write(repo, "app/src/agentmark/nested/p.prompt.mdx",
                "---\ntest_settings:\n  dataset: data/rows.jsonl\n  evals: [exact_match]\n---\n"
                "<User>{props.q}</User>\n")
    spec = load(repo, rel)
    assert spec.cases[0].vars == {"q": "hi"}
    assert Dependency(path="app/src/agentmark/data/rows.jsonl", kind="dataset") in spec.dependencies
    (repo / "app/src/agentmark/data/rows.jsonl").unlink()
    assert "paths are relative to app/src/agentmark/, as AgentMark reads them" in error(repo, rel).message
    write(repo, "app/agentmark.json", '{"agentmarkPath": "../.."}')
    assert "leaves the repository" in error(repo, rel).message


def test_agentmark_foreach_loops_over_a_props_list(repo: Path) -> None:
    body = ("<User>\nItems ({props.items.length}):\n<ForEach arr={props.items}>\n  {(item, i) => (\n    <>\n"
            "      {i}: {item.name}\n    </>\n  )}\n</ForEach>\n</User>\n")
    rel = write(repo, "f.prompt.mdx", "---\ntest_settings:\n  evals: [exact_match]\n  cases:\n"
                                      "    - {input: {items: [{name: tea}, {name: milk}]}, expected_output: x}\n"
                                      f"---\n{body}")
    spec = load(repo, rel)
    [text] = rendered(spec, spec.cases[0], repo)
    assert text.split() == ["Items", "(2):", "0:", "tea", "1:", "milk"]


def test_agentmark_a_loop_variable_outside_the_subset_is_refused(repo: Path) -> None:
    body = "<User><ForEach arr={props.items}>{(item) => item.map(x => x)}</ForEach></User>\n"
    assert "eval-action reads `<ForEach arr={…}>{(item, index) => (…)}</ForEach>` only" in error(
        repo, write(repo, "f.prompt.mdx", mdx("", body))).message


def test_agentmark_raw_text_is_sent_as_written(repo: Path) -> None:
    rel = write(repo, "r.prompt.mdx", mdx("", "<User>Say {props.q} then <Raw>{props.q} and <Tag /></Raw></User>\n"))
    spec = load(repo, rel)
    assert rendered(spec, spec.cases[0], repo) == ["Say hi then {props.q} and <Tag />"]
