"""Model API targets (OpenAI-compatible, Anthropic) and the retry policy, against the loopback fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from eval_action.execution.targets.anthropic import AnthropicTarget
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool, short_message
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.execution.targets.registry import make_target
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError, UserError
from eval_action.model.specs import Message, ProviderSpec
from fakes.llm import FakeLLM

T = TypeVar("T")
KEY = "sk-test-SECRET-0123456789"
REQUEST = TargetRequest(messages=[Message(role="system", content="Be brief."),
                                  Message(role="user", content="capital of France?")],
                        params={"temperature": 0})


def run(fn: Callable[[HttpPool], Awaitable[T]], *, retries: int = 4) -> T:
    async def main() -> T:
        async with HttpPool(8, retries=retries, backoff_s=0.01) as http:
            return await fn(http)
    return asyncio.run(main())


def openai(llm: FakeLLM, http: HttpPool, timeout_s: float = 5, **spec: object) -> OpenAITarget:
    provider = ProviderSpec(type="openai", model="gpt-test", base_url=llm.url + "/v1", **spec)  # type: ignore[arg-type]
    return OpenAITarget(provider, env={"OPENAI_API_KEY": KEY}, http=http, timeout_s=timeout_s)


def complete(llm: FakeLLM, *, retries: int = 4, timeout_s: float = 5, **spec: object) -> Answer:
    return run(lambda http: openai(llm, http, timeout_s, **spec).complete(REQUEST), retries=retries)


def test_openai_sends_merged_params_and_key_and_parses_usage(fake_llm: FakeLLM) -> None:
    response = complete(fake_llm, params={"temperature": 1, "seed": 7})
    assert response.output == "echo: capital of France?"
    assert response.input_tokens == 5 and response.output_tokens == 4
    (req,) = fake_llm.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.body["model"] == "gpt-test"
    assert req.body["temperature"] == 0 and req.body["seed"] == 7  # the prompt's params win
    assert req.body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_openai_base_url_from_env_and_identity(fake_llm: FakeLLM) -> None:
    async def go(http: HttpPool) -> tuple[Answer, object]:
        target = make_target(ProviderSpec(type="openai", model="m"),
                             env={"OPENAI_BASE_URL": fake_llm.url + "/v1"},
                             repo_root=Path("."), http=http, timeout_s=5, usercode=UserCode({}, 1))
        return await target.complete(REQUEST), target.cache_identity()
    response, identity = run(go)
    assert response.output.startswith("echo:")
    assert identity == {"type": "openai", "model": "m", "base_url": fake_llm.url + "/v1", "params": {}}
    assert "authorization" not in fake_llm.requests[0].headers  # local server, no key


def test_missing_key_for_remote_endpoint_names_the_variable() -> None:
    spec = ProviderSpec(type="openai", model="m", api_key_env="MY_KEY")
    with pytest.raises(UserError, match="MY_KEY is not set"):
        OpenAITarget(spec, env={}, http=HttpPool(1), timeout_s=1)
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY"):
        AnthropicTarget(ProviderSpec(type="anthropic", model="c"), env={}, http=HttpPool(1), timeout_s=1)


def test_openai_embeddings(fake_llm: FakeLLM) -> None:
    vectors = run(lambda http: openai(fake_llm, http).embed(["abc", "xyz"], "emb-model"))
    assert len(vectors) == 2 and len(vectors[0]) == 26
    assert fake_llm.requests[0].path == "/v1/embeddings"
    assert fake_llm.requests[0].body == {"model": "emb-model", "input": ["abc", "xyz"]}


def test_anthropic_moves_system_to_top_level(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="anthropic", model="claude-test", base_url=fake_llm.url)

    async def go(http: HttpPool) -> Answer:
        target = AnthropicTarget(spec, env={"ANTHROPIC_API_KEY": KEY}, http=http, timeout_s=5)
        return await target.complete(REQUEST)
    response = run(go)
    assert response.output == "echo: capital of France?"
    assert response.tokens == 5 + 4
    (req,) = fake_llm.requests
    assert req.path == "/v1/messages"
    assert req.headers["x-api-key"] == KEY and req.headers["anthropic-version"] == "2023-06-01"
    assert req.body["system"] == "Be brief." and req.body["max_tokens"] == 1024
    assert req.body["messages"] == [{"role": "user", "content": "capital of France?"}]


def test_retry_after_is_honoured(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(2, status=429, retry_after="0.3")
    start = time.monotonic()
    response = complete(fake_llm)
    assert time.monotonic() - start >= 0.6
    assert response.output.startswith("echo:") and len(fake_llm.requests) == 3


@pytest.mark.parametrize("fault", ["malformed", "close"])
def test_broken_bodies_are_retried(fake_llm: FakeLLM, fault: str) -> None:
    fake_llm.inject(fault)
    assert complete(fake_llm).output.startswith("echo:")
    assert len(fake_llm.requests) == 2


def test_5xx_storm_ends_in_target_error_without_the_key(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(10, status=503)
    with pytest.raises(TargetError) as info:
        complete(fake_llm, retries=4)
    assert str(info.value) == "HTTP 503 after 5 attempts: injected 503"
    assert KEY not in str(info.value) and len(fake_llm.requests) == 5


def test_client_errors_are_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=401)
    with pytest.raises(TargetError, match=r"^HTTP 401: injected 401$"):
        complete(fake_llm)
    assert len(fake_llm.requests) == 1


def test_a_server_that_never_answers_times_out(fake_llm: FakeLLM) -> None:
    fake_llm.inject("hang", n=2)
    with pytest.raises(TargetError, match=r"timed out after 0\.2s after 2 attempts"):
        complete(fake_llm, retries=1, timeout_s=0.2)


def test_unreachable_server_is_a_target_error() -> None:
    with FakeLLM() as llm:
        url = llm.url
    spec = ProviderSpec(type="openai", model="m", base_url=url + "/v1")

    async def go(http: HttpPool) -> Answer:
        return await OpenAITarget(spec, env={}, http=http, timeout_s=1).complete(REQUEST)
    with pytest.raises(TargetError, match=r"connection failed: could not connect to http://127\.0\.0\.1:"):
        run(go, retries=1)


def test_an_unreachable_url_names_the_variable_that_set_it() -> None:
    with FakeLLM() as llm:
        url = llm.url
    spec = ProviderSpec(type="openai", model="m")
    env = {"OPENAI_BASE_URL": f"http://user:pw@{url.removeprefix('http://')}/v1"}

    async def go(http: HttpPool) -> Answer:
        return await OpenAITarget(spec, env=env, http=http, timeout_s=1).complete(REQUEST)
    with pytest.raises(TargetError) as caught:
        run(go, retries=1)
    message = str(caught.value)
    assert message == (f"connection failed: could not connect to {url}/v1/chat/completions after 2 attempts "
                       "— the URL comes from OPENAI_BASE_URL")
    assert "pw" not in message, "credentials in the URL stay out of the message"


def test_a_server_error_does_not_blame_the_url(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(3, status=503)
    with pytest.raises(TargetError) as caught:
        complete(fake_llm, retries=1)
    assert "comes from" not in str(caught.value)


def test_short_message_redacts_secrets_and_flattens() -> None:
    text = '{"error": {"message": "Incorrect API key provided: ' + KEY + '\\nsee docs"}}'
    assert short_message(text, [KEY]) == "Incorrect API key provided: *** see docs"
    assert len(short_message("x" * 5000)) == 200


def test_connections_are_kept_alive_and_shared(fake_llm: FakeLLM) -> None:
    async def go(http: HttpPool) -> None:
        target = openai(fake_llm, http)
        for _ in range(5):  # one after another: one connection
            await target.complete(REQUEST)
        await asyncio.gather(*(target.complete(REQUEST) for _ in range(8)))  # 8 at once: at most 8
    run(go)
    assert len(fake_llm.requests) == 13
    assert fake_llm.connections <= 8


def test_the_pool_opens_no_session_until_used() -> None:
    pool = HttpPool(4)
    asyncio.run(pool.aclose())  # made and closed outside any request: nothing to clean up
    assert pool._session is None


def test_http_proxy_from_the_environment_is_used(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", fake_llm.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    provider = ProviderSpec(type="openai", model="m", base_url="http://llm.invalid/v1")

    async def go(http: HttpPool) -> Answer:
        return await OpenAITarget(provider, env={"OPENAI_API_KEY": KEY}, http=http, timeout_s=5).complete(REQUEST)
    assert run(go).output.startswith("echo:")
    assert fake_llm.requests[0].path == "http://llm.invalid/v1/chat/completions"  # asked as a proxy


def test_a_netrc_entry_for_the_host_does_not_displace_the_key(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password elsewhere\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert complete(fake_llm).output.startswith("echo:")
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {KEY}"
