"""Credentials: CI tokens never reach user code under `run` or `ci`; every value sent as a key is
redacted in every output, also base64- and URL-encoded; keys never follow a redirect; bodies are capped.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from harness_ci import JOB_TOKEN, OPENAI_KEY, cases_prompt, config, make_repo, run_cli

from fakes.forge import FakeForge
from fakes.llm import FakeLLM
from fakes.raw import RawServer

PAT = "PLANTED-llm-pat-value-0042+/="  # URL-encoding changes it
RUN_ALL = ["run", "--all", "--baseline", "none"]
REPO_URL = f"https://gitlab-ci-token:{JOB_TOKEN}@gitlab.test/acme/app.git"


def everything(repo: Path, *streams: str) -> str:
    files = [p.read_text(errors="replace") for d in ("eval-results", ".eval-cache")
             for p in (repo / d).rglob("*") if p.is_file()]
    return "\n".join([*streams, *files])


# ---------------------------------------------------------------- item 5: CI tokens, also inside URLs
def gitlab_env(repo_root: Path, forge_url: str, base: str, head: str) -> dict[str, str]:
    return {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head,
            "CI_PROJECT_ID": "42", "CI_API_V4_URL": forge_url + "/api/v4", "CI_JOB_TOKEN": JOB_TOKEN,
            "CI_REPOSITORY_URL": REPO_URL, "CI_DEPENDENCY_PROXY_PASSWORD": JOB_TOKEN,
            "GITLAB_TOKEN": "glpat-PLANTED-note-token-77"}


@pytest.mark.parametrize("command", ["ci", "run"])
def test_user_code_sees_no_ci_token_under_run_or_ci(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    command: str) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": "providers:\n  default: {type: command, command: [env]}\n",
                                "p.prompt.yaml": cases_prompt(1, "{type: contains, value: PATH}")})
    with FakeForge(token="glpat-PLANTED-note-token-77") as forge:
        env = gitlab_env(repo.root, forge.url, repo.base, repo.head)
        argv = ["ci", "--baseline", "none"] if command == "ci" else ["run", "--all", "--baseline", "none"]
        out = run_cli(monkeypatch, capsys, env, repo.root, argv)
    assert out.code == 0, out.stderr
    [case] = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"]
    assert "PATH=" in case["output"]
    for name in ("CI_JOB_TOKEN=", "CI_REPOSITORY_URL=", "CI_DEPENDENCY_PROXY_PASSWORD=", "GITLAB_TOKEN="):
        assert name not in case["output"], name
    assert JOB_TOKEN not in everything(repo.root, out.stdout, out.stderr)


# ---------------------------------------------------------------- item 9: redaction by use, in encodings
def test_a_key_under_any_name_is_redacted_also_encoded(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       fake_llm: FakeLLM) -> None:
    encoded = [base64.b64encode(PAT.encode()).decode(), quote(PAT, safe=""),
               base64.b64encode(f"x-access-token:{PAT}".encode()).decode()]
    fake_llm.respond_with(lambda body: f"raw {PAT} b64 {encoded[0]} url {encoded[1]} header {encoded[2]}")
    cfg = "secrets: [LLM_PAT]\n" + config(fake_llm.url).replace("base_url:", "api_key_env: LLM_PAT, base_url:")
    prompt = cases_prompt(1, "{type: contains, value: x}")
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "p.prompt.yaml": prompt})
    out = run_cli(monkeypatch, capsys, {"LLM_PAT": PAT}, repo.root, RUN_ALL)
    assert {r.headers.get("authorization") for r in fake_llm.requests} == {f"Bearer {PAT}"}
    written = everything(repo.root, out.stdout, out.stderr)
    assert "[redacted]" in written
    for form in (PAT, *encoded):
        assert form not in written, form


def test_an_import_error_quoting_a_key_is_redacted(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    agent = "import os\nraise RuntimeError('cannot start with ' + os.environ['OPENAI_API_KEY'])\n"
    cfg = "providers:\n  default: {type: python, function: 'agent.py:run'}\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "agent.py": agent, "p.prompt.yaml": cases_prompt(1)})
    out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root, RUN_ALL)
    assert out.code in (2, 3), out.stderr
    assert "cannot start with" in out.stdout + out.stderr + everything(repo.root)
    assert OPENAI_KEY not in everything(repo.root, out.stdout, out.stderr)


# ---------------------------------------------------------------- redirects and bodies
@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_key_never_follows_a_redirect(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, kind: str) -> None:
    with FakeLLM() as attacker, RawServer(307, {"Location": attacker.url + "/v1/messages"}) as redirector:
        base = redirector.url + ("" if kind == "anthropic" else "/v1")
        cfg = f"providers:\n  default: {{type: {kind}, model: m, base_url: '{base}'}}\ndefaults: {{retries: 0}}\n"
        repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "p.prompt.yaml": cases_prompt(1)})
        env = {"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": "sk-ant-PLANTED-anthropic-77c0aa"}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["run", "--all", "--baseline", "none"])
        assert len(redirector.requests) == 1
        assert attacker.requests == []
    [case] = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"]
    assert "307" in case["error"] and "redirect" in case["error"], case["error"]
    assert out.code == 3


def test_a_huge_response_body_is_capped(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    with RawServer(200, body_bytes=64 * 2**20) as server:
        cfg = (f"providers:\n  default: {{type: openai, model: m, base_url: '{server.url}/v1'}}\n"
               "defaults: {retries: 0}\n")
        repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "p.prompt.yaml": cases_prompt(1)})
        out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root,
                      ["run", "--all", "--baseline", "none"])
        assert server.sent < 64 * 2**20  # we stopped reading
    [case] = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"]
    assert "MB" in (case["error"] or ""), case["error"]
    assert out.code == 3
