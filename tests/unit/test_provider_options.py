"""Provider options for Azure and gateways (`api_version`, `api_key_header`, `headers`) and the `github` kind."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

from eval_action.execution.targets.anthropic import AnthropicTarget
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai import GITHUB_MODELS_URL, OpenAITarget
from eval_action.execution.targets.registry import make_target
from eval_action.execution.usercode.pool import UserCode
from eval_action.inputs.config import load_config
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError
from eval_action.model.specs import Message, ProviderSpec
from fakes.llm import FakeLLM

T = TypeVar("T")
KEY = "azure-key-SECRET-5b7e"
GATEWAY_KEY = "pk-gateway-SECRET-91aa"
REQUEST = TargetRequest(messages=[Message(role="user", content="capital of France?")], params={})


def run(fn: Callable[[HttpPool], Awaitable[T]]) -> T:
    async def main() -> T:
        async with HttpPool(4, retries=0, backoff_s=0.01) as http:
            return await fn(http)
    return asyncio.run(main())


def call(spec: ProviderSpec, env: Mapping[str, str]) -> Answer:
    return run(lambda http: make_target(spec, env=env, repo_root=Path("."), http=http, timeout_s=5,
                                        usercode=UserCode({}, 1))
               .complete(REQUEST))


def test_azure_deployments_api_gets_api_version_query_and_api_key_header(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="openai", model="gpt-4o", base_url=fake_llm.url + "/openai/deployments/my-gpt4o",
                        api_version="2024-10-21", api_key_header="api-key", api_key_env="AZURE_OPENAI_API_KEY")
    assert call(spec, {"AZURE_OPENAI_API_KEY": KEY}).output == "echo: capital of France?"
    (req,) = fake_llm.requests
    assert req.path == "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"
    assert req.headers["api-key"] == KEY and "authorization" not in req.headers


def test_azure_v1_api_takes_the_key_as_bearer(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="openai", model="gpt-4o", base_url=fake_llm.url + "/openai/v1",
                        api_key_env="AZURE_OPENAI_API_KEY")
    call(spec, {"AZURE_OPENAI_API_KEY": KEY})
    (req,) = fake_llm.requests
    assert req.path == "/openai/v1/chat/completions" and req.headers["authorization"] == f"Bearer {KEY}"


def test_headers_may_read_env_vars_and_their_values_are_redacted(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="openai", model="m", base_url=fake_llm.url + "/v1",
                        headers={"Helicone-Auth": "Bearer ${env:HELICONE_API_KEY}", "X-Team": "evals"})
    call(spec, {"OPENAI_API_KEY": KEY, "HELICONE_API_KEY": GATEWAY_KEY})
    (req,) = fake_llm.requests
    assert req.headers["helicone-auth"] == f"Bearer {GATEWAY_KEY}" and req.headers["x-team"] == "evals"
    fake_llm.fail_next(1, status=400)
    fake_llm.respond_with(lambda body: "x")
    with pytest.raises(TargetError) as caught:
        call(spec, {"OPENAI_API_KEY": KEY, "HELICONE_API_KEY": GATEWAY_KEY})
    assert GATEWAY_KEY not in str(caught.value)


def test_a_header_naming_an_unset_variable_is_an_input_error() -> None:
    spec = ProviderSpec(type="openai", model="m", base_url="http://127.0.0.1:9/v1",
                        headers={"x-portkey-api-key": "${env:PORTKEY_API_KEY}"})
    with pytest.raises(UserError, match="reads PORTKEY_API_KEY, which is not set"):
        call(spec, {})


def test_headers_and_api_version_are_part_of_the_cache_identity_but_not_secrets() -> None:
    async def identity(http: HttpPool) -> Any:
        spec = ProviderSpec(type="openai", model="m", base_url="http://127.0.0.1:9/v1", api_version="2024-10-21",
                            headers={"x-key": "${env:GW}"})
        return OpenAITarget(spec, env={"GW": GATEWAY_KEY}, http=http, timeout_s=1).cache_identity()
    found = run(identity)
    assert found["api_version"] == "2024-10-21" and found["headers"] == {"x-key": "${env:GW}"}
    assert GATEWAY_KEY not in repr(found)


def test_anthropic_takes_headers_too(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="anthropic", model="claude-x", base_url=fake_llm.url,
                        headers={"cf-aig-authorization": "Bearer ${env:CF_TOKEN}"})
    run(lambda http: AnthropicTarget(spec, env={"ANTHROPIC_API_KEY": KEY, "CF_TOKEN": GATEWAY_KEY}, http=http,
                                     timeout_s=5).complete(REQUEST))
    (req,) = fake_llm.requests
    assert req.headers["cf-aig-authorization"] == f"Bearer {GATEWAY_KEY}" and req.headers["x-api-key"] == KEY


@pytest.mark.parametrize("variable", ["GITHUB_TOKEN", "GH_TOKEN", "INPUT_GITHUB-TOKEN"])
def test_github_kind_is_github_models_with_the_job_token(variable: str) -> None:
    async def build(http: HttpPool) -> OpenAITarget:
        return OpenAITarget(ProviderSpec(type="github", model="openai/gpt-4o"), env={variable: "ghs_x"}, http=http,
                            timeout_s=1)
    target = run(build)
    assert target.base_url == GITHUB_MODELS_URL == "https://models.github.ai/inference"
    assert target._headers() == {"Authorization": "Bearer ghs_x"}


def test_github_kind_without_a_token_says_which_variable() -> None:
    with pytest.raises(UserError, match="needs an API key but GITHUB_TOKEN is not set"):
        call(ProviderSpec(type="github", model="openai/gpt-4o"), {})


def config(tmp_path: Path, text: str) -> None:
    (tmp_path / "eval-action.yaml").write_text(text)
    load_config(tmp_path)


def test_config_accepts_the_azure_deployments_recipe(tmp_path: Path) -> None:
    config(tmp_path, "providers:\n  azure:\n    type: openai\n    model: gpt-4o\n"
           "    base_url: https://res.openai.azure.com/openai/deployments/gpt4o\n    api_version: 2024-10-21\n"
           "    api_key_header: api-key\n    api_key_env: AZURE_OPENAI_API_KEY\n")


def test_config_azure_deployments_url_without_api_version_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"eval-action\.yaml:2: Azure's deployments API needs `api_version:`"):
        config(tmp_path, "providers:\n  azure:\n    type: openai\n    model: gpt-4o\n"
               "    base_url: https://res.openai.azure.com/openai/deployments/gpt4o\n")


@pytest.mark.parametrize(("headers", "says"), [
    ('{"bad name": x}', "is not a valid HTTP header name"),
    ('{x-a: "a\\r\\nX-Injected: 1"}', "no line breaks"),
    ('{x-a: "${GITHUB_TOKEN}"}', "no other `\\$\\{…}`"),
])
def test_config_refuses_bad_headers(tmp_path: Path, headers: str, says: str) -> None:
    with pytest.raises(UserError, match=says):
        config(tmp_path, f"providers:\n  gw: {{type: openai, model: m, headers: {headers}}}\n")


def test_config_github_provider_needs_a_model(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"needs `model:` — e\.g\. model: openai/gpt-4o-mini"):
        config(tmp_path, "providers:\n  github: {type: github}\n")


def test_config_under_a_near_miss_name_gets_a_hint(tmp_path: Path) -> None:
    (tmp_path / "eval-action.yml").write_text("providers: {}\n")
    with pytest.raises(UserError, match=r"^eval-action\.yml: found eval-action\.yml, but eval-action reads "
                                        r"eval-action\.yaml — rename it \(or pass --config eval-action\.yml\)"):
        load_config(tmp_path)


def test_github_kind_gets_the_job_token_handed_to_it_not_through_the_environment() -> None:
    async def build(http: HttpPool) -> Any:
        return make_target(ProviderSpec(type="github", model="openai/gpt-4o"), env={}, repo_root=Path("."),
                           http=http, timeout_s=1, usercode=UserCode({}, 1), github_token="ghs_job")
    target = run(build)
    assert isinstance(target, OpenAITarget) and target._headers() == {"Authorization": "Bearer ghs_job"}
