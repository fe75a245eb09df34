"""Prompty v1 and v2 files (microsoft/prompty's own, tests/fixtures/prompty) mapped onto our prompts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from eval_action.execution.targets.auth import base_url
from eval_action.inputs.config import check_provider
from eval_action.inputs.prompts import load_prompt
from eval_action.inputs.prompts.prompty_provider import AZURE_API_VERSION
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, Dependency, NotAnEval, PromptSpec, ProviderSpec
from eval_action.selection.trust import check_key_variables

FIXTURES = Path(__file__).parents[1] / "fixtures/prompty"
EVALS = "evals:\n  scorers:\n    - {type: contains, value: echo}\n"
DEFAULT = ProviderSpec(type="openai", model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1")
CONFIG = Config(providers={"default": DEFAULT,
                           "mock-azure": ProviderSpec(type="openai", model="x", base_url="http://azure.test/v1")})


def with_evals(text: str, evals: str = EVALS) -> str:
    """The file with an eval block added at the end of its front matter (the real files have none)."""
    head, _, body = text.partition("\n---\n")
    return f"{head}\n{evals}---\n{body}"


def fixture(root: Path, *names: str, evals: str | None = EVALS) -> Path:
    """Copy fixture files (paths under tests/fixtures/prompty) into `root`; the first is the prompt."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, root / name)
    if evals is not None:
        (root / names[0]).write_text(with_evals((root / names[0]).read_text(), evals))
    return Path(names[0])


def load(root: Path, *names: str, evals: str | None = EVALS, config: Config = CONFIG) -> PromptSpec:
    spec = load_prompt(fixture(root, *names, evals=evals), root, config)
    assert isinstance(spec, PromptSpec)
    return spec


def refusal(root: Path, *names: str, evals: str | None = EVALS) -> str:
    with pytest.raises(UserError) as e:
        load_prompt(fixture(root, *names, evals=evals), root, CONFIG)
    return str(e.value)


# ---------------------------------------------------------------- the model, its parameters, the cases
def test_model_shorthand_and_model_id_name_the_model_on_the_default_provider(tmp_path: Path) -> None:
    shorthand = load(tmp_path, "v2/spec/minimal.prompty")
    assert shorthand.provider == DEFAULT.model_copy(update={"model": "gpt-4"})
    assert shorthand.provider_name is None  # no longer the configured entry as it stands
    assert [c.vars for c in shorthand.cases] == [{}]  # no inputs: one case, no variables
    by_id = load(tmp_path, "v2/python/file_ref.prompty", "v2/python/schema.json")
    assert by_id.provider.model == "gpt-4" and by_id.provider.base_url == DEFAULT.base_url


def test_v2_options_are_renamed_as_prompty_sends_them_and_v1_parameters_kept(tmp_path: Path) -> None:
    v2 = load(tmp_path, "v2/spec/basic.prompty")
    assert v2.params == {"temperature": 0.7, "max_completion_tokens": 1000}
    v1 = load(tmp_path, "v1-2024/shakespeare.prompty")
    assert v1.params == {"max_tokens": 3000}
    (tmp_path / "s.prompty").write_text("---\nmodel:\n  id: m\n  options:\n    additionalProperties: {stream: true, "
                                        "user: u}\n    stream_options: {include_usage: true}\n"
                                        f"{EVALS}---\nuser:\nhi\n")
    streamed = load_prompt(Path("s.prompty"), tmp_path, CONFIG)  # answers are read whole
    assert isinstance(streamed, PromptSpec) and streamed.params == {"user": "u"}


def test_inputs_list_defaults_are_the_sample_case_and_fill_in_dataset_rows(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/spec/basic.prompty")
    assert [c.vars for c in spec.cases] == [
        {"firstName": "Jane", "lastName": "Doe", "question": "What is the meaning of life?"}]
    (tmp_path / "v2/spec/rows.jsonl").write_text('{"id": "q", "vars": {"question": "Why?"}}\n')
    rows = load(tmp_path, "v2/spec/basic.prompty", evals=EVALS + "  dataset: rows.jsonl\n")
    assert [(c.id, c.vars) for c in rows.cases] == [
        ("q", {"firstName": "Jane", "lastName": "Doe", "question": "Why?"})]


def test_v1_inputs_mapping_and_sample_are_the_case(tmp_path: Path) -> None:
    inputs = load(tmp_path, "v1/functions.prompty")
    assert inputs.cases[0].vars == {"firstName": "Seth", "lastName": "Juarez",
                                    "question": "What's the weather like in San Francisco, Tokyo, and Paris?"}
    sample = load(tmp_path, "v1-2024/basic.prompty")
    assert sample.cases[0].vars == {"firstName": "Jane", "lastName": "Doe", "question": "What is the meaning of life?"}


def test_a_thread_input_is_a_rows_messages_and_its_placeholder_goes(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/spec/threaded.prompty")
    assert [(m.role, m.content) for m in spec.messages] == [("system", "You are a helpful assistant."),
                                                            ("user", "{{question}}")]
    assert [c.vars for c in spec.cases] == [{"question": "Hello"}]


def test_role_lines_may_carry_prompty_attributes(tmp_path: Path) -> None:
    (tmp_path / "a.prompty").write_text(f'---\n{EVALS}---\nsystem[name="seth"]:\nBe brief.\nuser[name="Alice"]:\nhi\n')
    spec = load_prompt(Path("a.prompty"), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec)
    assert [(m.role, m.content) for m in spec.messages] == [("system", "Be brief."), ("user", "hi")]


# ---------------------------------------------------------------- ${file:…} references
def test_file_reference_sample_is_read_and_recorded_as_a_dependency(tmp_path: Path) -> None:
    spec = load(tmp_path, "v1-2024/context.prompty", "v1-2024/context.json")
    assert spec.cases[0].vars["customer"]["firstName"] == "Sally"
    assert Dependency(path="v1-2024/context.json", kind="file") in spec.dependencies


def test_file_reference_inputs_and_connection(tmp_path: Path) -> None:
    inputs = load(tmp_path, "v2/python/file_ref.prompty", "v2/python/schema.json")
    assert inputs.cases[0].vars == {"question": "What is AI?"}
    # the Python runtime's shared_connection.json holds a literal key: refused, file and line named
    literal = refusal(tmp_path, "v2/python/config_cascade.prompty", "v2/python/shared_connection.json")
    assert literal.startswith("v2/python/config_cascade.prompty:7: `apiKey` must be `${env:NAME}`")
    shutil.copy(FIXTURES / "v2/spec/shared_connection.json", tmp_path / "v2/python/shared_connection.json")
    spec = load_prompt(Path("v2/python/config_cascade.prompty"), tmp_path, CONFIG)  # the spec's: ${env:…}
    assert isinstance(spec, PromptSpec)
    assert spec.provider == ProviderSpec(type="openai", model="gpt-4", base_url="https://api.openai.com/v1")
    assert Dependency(path="v2/python/shared_connection.json", kind="file") in spec.dependencies


def test_file_reference_tools_and_response_format(tmp_path: Path) -> None:
    tools = load(tmp_path, "v1-2024/funcfile.prompty", "v1-2024/funcfile.json")
    assert [t.name for t in tools.tools] == ["get_current_weather"]
    assert "tools" not in tools.params
    schema = load(tmp_path, "v1-2024/structured_output.prompty", "v1-2024/structured_output_schema.json")
    assert schema.params["response_format"]["type"] == "json_schema"
    assert schema.params["response_format"]["json_schema"]["name"] == "calendar_event"


@pytest.mark.parametrize(("ref", "message"), [
    ("../../outside.json", "leaves the repository"),
    ("/etc/hostname", "absolute path"),
    ("nowhere.json", "does not exist"),
    ("../.git/config", "inside `.git/`"),
])
def test_file_references_go_through_the_one_path_check(tmp_path: Path, ref: str, message: str) -> None:
    repo = tmp_path / "repo"
    (repo / "p").mkdir(parents=True)
    (tmp_path / "outside.json").write_text("{}")
    (repo / ".git").mkdir()
    (repo / ".git/config").write_text("{}")
    (repo / "p/x.prompty").write_text(f"---\nsample: ${{file:{ref}}}\n{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError) as e:
        load_prompt(Path("p/x.prompty"), repo, CONFIG)
    assert message in str(e.value) and e.value.path == "p/x.prompty" and e.value.line == 2


# ---------------------------------------------------------------- tools and outputs
def test_v2_function_tools_bindings_stripped_strict_kept(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/spec/tools_function.prompty")
    [tool] = spec.tools
    assert tool.name == "get_weather" and tool.strict is True
    assert tool.parameters == {"type": "object", "additionalProperties": False, "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}}


def test_v1_tools_in_openai_form_and_as_a_mapping(tmp_path: Path) -> None:
    functions = load(tmp_path, "v1/functions.prompty")
    assert [t.name for t in functions.tools] == ["get_current_weather", "create_a_picture"]
    assert functions.tools[0].parameters["required"] == ["location"]
    agent = load(tmp_path, "v1/agent.prompty")
    [tool] = agent.tools
    assert tool.name == "get_current_weather"
    assert tool.parameters["required"] == ["city"]
    assert tool.parameters["properties"]["unit"]["enum"] == ["Celsius", "Fahrenheit"]


def test_mcp_tools_are_refused_in_an_eval_and_listed_as_not_an_eval_without_one(tmp_path: Path) -> None:
    message = refusal(tmp_path, "v2/spec/tools_mcp.prompty")
    assert "tool `filesystem` is of kind `mcp`" in message and "tools_mcp.prompty:6" in message
    assert isinstance(load_prompt(fixture(tmp_path, "v2/spec/tools_mcp.prompty", evals=None), tmp_path, CONFIG),
                      NotAnEval)


def test_outputs_become_a_strict_json_schema_response_format(tmp_path: Path) -> None:
    v2 = load(tmp_path, "v2/spec/structured.prompty")
    assert v2.params["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "structured_output", "strict": True, "schema": {
            "type": "object", "additionalProperties": False, "required": ["temperature", "condition", "city"],
            "properties": {"temperature": {"type": "integer", "description": "Temperature in Fahrenheit"},
                           "condition": {"type": "string", "description": "Weather condition"},
                           "city": {"type": "string", "description": "City name"}}}}}
    v1 = load(tmp_path, "v1/structured_complex.prompty")
    wire = v1.params["response_format"]["json_schema"]
    assert wire["name"] == "structured_output_prompt"
    location = wire["schema"]["properties"]["location"]
    assert location["properties"]["city"] == {"type": ["string", "null"],
                                              "description": "The city where the event is taking place."}
    assert wire["schema"]["properties"]["activities"]["items"]["type"] == "string"


def test_anthropic_outputs_and_options_in_anthropic_terms(tmp_path: Path) -> None:
    config = CONFIG.model_copy(update={"providers": {
        **CONFIG.providers, "mock-anthropic": ProviderSpec(type="anthropic", model="claude-haiku-4-5")}})
    spec = load(tmp_path, "v2/python/anthropic_structured.prompty", config=config)
    assert spec.provider == ProviderSpec(type="anthropic", model="claude-sonnet-4-5-20250929")
    assert spec.params == {"max_tokens": 512, "output_config": {"format": {"type": "json_schema", "schema": {
        "type": "object", "additionalProperties": False, "required": ["city", "temperature"], "properties": {
            "city": {"type": ["string", "null"], "description": "The city name"},
            "temperature": {"type": ["number", "null"], "description": "The temperature in Fahrenheit"}}}}}}


# ---------------------------------------------------------------- where the model is called
AZURE = dict(type="openai", api_key_header="api-key", api_key_env="AZURE_OPENAI_API_KEY")


def test_azure_openai_v1_configuration_goes_to_the_deployments_url_never_the_default_host(tmp_path: Path) -> None:
    spec = load(tmp_path, "v1-2024/shakespeare.prompty")
    assert spec.provider == ProviderSpec(**AZURE, model="gpt-4", api_version=AZURE_API_VERSION,  # type: ignore[arg-type]
                                         base_url="${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-4")
    beta = load(tmp_path, "v1-2024/structured_output.prompty", "v1-2024/structured_output_schema.json")
    assert beta.provider.base_url == "${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-4o-2024-08-06"
    assert beta.provider.api_version == "2024-08-01-preview"
    bare = load(tmp_path, "v1-2024/basic.prompty")  # only `azure_deployment`: Azure, as Prompty 1 reads it
    assert bare.provider.base_url == "${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-35-turbo"


def test_foundry_key_connection_uses_the_model_id_as_deployment_and_the_named_key(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/python/basic.prompty")
    assert spec.provider == ProviderSpec(**AZURE, model="gpt-4", api_version=AZURE_API_VERSION,  # type: ignore[arg-type]
                                         base_url="${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-4")


def test_serverless_is_an_openai_compatible_endpoint_with_its_key(tmp_path: Path) -> None:
    spec = load(tmp_path, "v1-2024/serverless.prompty")
    assert spec.provider == ProviderSpec(type="openai", model="Mistral-small",
                                         base_url="https://models.inference.ai.azure.com", api_key_env="SERVERLESS_KEY")
    (tmp_path / "k.prompty").write_text("---\nmodel:\n  configuration: {type: serverless, endpoint: 'https://x.test',"
                                        f" model: m}}\n{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError, match=re.escape("serverless connection needs `key: ${env:NAME}`")):
        load_prompt(Path("k.prompty"), tmp_path, CONFIG)


def test_reference_connection_names_a_provider_of_the_config(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/foundry/azure-chat.prompty")
    assert spec.provider == CONFIG.providers["mock-azure"].model_copy(update={"model": "gpt-4o"})
    (tmp_path / "r.prompty").write_text(
        f"---\nmodel:\n  id: m\n  connection: {{kind: reference, name: nope}}\n{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError, match="no provider named `nope`"):
        load_prompt(Path("r.prompty"), tmp_path, CONFIG)


def test_endpoint_and_key_variables_must_be_declared_secrets(tmp_path: Path) -> None:
    spec = load(tmp_path, "v2/python/basic.prompty")
    with pytest.raises(UserError, match="sends the variable AZURE_OPENAI_API_KEY as its API key"):
        check_key_variables(spec, CONFIG)
    with pytest.raises(UserError, match="reads the variable AZURE_OPENAI_ENDPOINT into its endpoint"):
        check_key_variables(spec, CONFIG.model_copy(update={"secrets": ["AZURE_OPENAI_API_KEY"]}))
    check_key_variables(spec, CONFIG.model_copy(update={"secrets": ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"]}))


def test_an_endpoint_variable_is_read_when_the_run_starts(tmp_path: Path) -> None:
    template = "${env:AZURE_OPENAI_ENDPOINT}/openai/deployments/gpt-4"
    assert base_url(template, {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/"}, "", "")[0] == (
        "https://r.openai.azure.com/openai/deployments/gpt-4")
    assert base_url("${env:OPENAI_ENDPOINT:https://api.openai.com/v1}", {}, "", "")[0] == "https://api.openai.com/v1"
    with pytest.raises(UserError, match="reads AZURE_OPENAI_ENDPOINT, which is not set"):
        base_url(template, {}, "", "")
    with pytest.raises(UserError, match="references only"):
        check_provider(ProviderSpec(type="openai", model="m", base_url="${file:x}/v1"), "eval-action.yaml", 3)


def test_entra_id_connections_and_unknown_types_are_refused_with_what_works(tmp_path: Path) -> None:
    (tmp_path / "f.prompty").write_text("---\nmodel:\n  id: m\n  connection: {kind: foundry, endpoint: 'https://x'}\n"
                                        f"{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError, match="signs in with Entra ID or OAuth") as e:
        load_prompt(Path("f.prompty"), tmp_path, CONFIG)
    assert e.value.line == 4
    (tmp_path / "t.prompty").write_text(f"---\nmodel:\n  configuration: {{type: fake}}\n{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError, match="connection `fake` is not supported — use openai, azure"):
        load_prompt(Path("t.prompty"), tmp_path, CONFIG)


# ---------------------------------------------------------------- what is (not) an eval
def test_a_prompty_file_without_evals_is_not_an_eval_even_with_a_sample(tmp_path: Path) -> None:
    for name in ("v1-2024/basic.prompty", "v2/spec/basic.prompty", "v2/spec/embedding.prompty"):
        assert load_prompt(fixture(tmp_path, name, evals=None), tmp_path, CONFIG) == NotAnEval(name)


def test_an_embedding_model_with_an_eval_block_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, "v2/spec/embedding.prompty")
    assert "`model.apiType: embedding` is not a chat model" in message and "embedding.prompty:6" in message


def test_a_misspelt_eval_key_is_named_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "x.prompty").write_text("---\neval:\n  scorers: [{type: contains, value: a}]\n---\nuser:\nhi\n")
    with pytest.raises(UserError, match="did you mean `evals`"):
        load_prompt(Path("x.prompty"), tmp_path, CONFIG)


@pytest.mark.parametrize("deployment", ["..", "../../api", "d/./x", "d/"])
def test_azure_deployment_name_cannot_leave_the_deployments_path(tmp_path: Path, deployment: str) -> None:
    (tmp_path / "q.prompty").write_text(
        "---\nname: q\nmodel:\n  configuration:\n    type: azure_openai\n    azure_endpoint: https://r.test\n"
        f"    azure_deployment: '{deployment}'\n{EVALS}---\nuser:\nhi\n")
    with pytest.raises(UserError) as e:
        load_prompt(Path("q.prompty"), tmp_path, CONFIG)
    assert "deployment name" in str(e.value) and "`..`" in str(e.value)


def test_azure_deployment_name_is_quoted_as_one_path_segment(tmp_path: Path) -> None:
    (tmp_path / "q.prompty").write_text(
        "---\nname: q\nmodel:\n  configuration:\n    type: azure_openai\n    azure_endpoint: https://r.test\n"
        f"    azure_deployment: 'gpt 4o?x'\n{EVALS}---\nuser:\nhi\n")
    spec = load_prompt(Path("q.prompty"), tmp_path, CONFIG)
    assert isinstance(spec, PromptSpec)
    assert spec.provider.base_url == "https://r.test/openai/deployments/gpt%204o%3Fx"
