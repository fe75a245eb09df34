"""Untrusted names in the job log, and files a template can reach, end to end through the real CLI."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness_ci import OPENAI_KEY, Outcome, Repo, cases_prompt, config, github_env, make_repo, run_cli

from fakes.forge import FakeForge
from fakes.llm import FakeLLM

FORGED_NAME = "x\n::warning title=INJECTED::forged\n\x1b[31mred\r\x9bC1.prompt.yaml"
GITLAB_FORGERY = "\x1b[0Ksection_end:1:eval_action__running_the_evals\r\x1b[0KALL GREEN"
# What may appear raw in our output: nothing below space but newline; no DEL, no C1.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token="ghs_PLANTED_github_token_51f2") as f:
        yield f


def our_lines(out: Outcome) -> list[str]:
    return (out.stdout + out.stderr).splitlines()


def assert_inert_on_github(out: Outcome) -> None:
    for line in our_lines(out):
        assert not line.lstrip().startswith("::warning title=INJECTED"), line
        assert "INJECTED::forged" not in line, line  # `::` broken even mid-line
        assert not CONTROL.search(line), repr(line)


@pytest.mark.parametrize("argv", [["ci", "--baseline", "none"], ["ci", "--dry-run"], ["validate"],
                                  ["run", "--all", "--baseline", "none"]], ids=["ci", "dry-run", "validate", "run"])
def test_a_file_name_cannot_forge_a_workflow_command(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     fake_llm: FakeLLM, forge: FakeForge, argv: list[str]) -> None:
    scorer = "{type: no-such-scorer}" if argv == ["validate"] else "{type: contains, value: echo}"
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), FORGED_NAME: cases_prompt(1, scorer)})
    out = run_cli(monkeypatch, capsys, github_env(tmp_path, repo, forge.url), repo.root, argv)
    assert out.code in (0, 1, 2), out.stdout + out.stderr
    assert "x\\n::" in out.stdout + out.stderr or "x\\n:" in out.stdout + out.stderr  # shown, escaped
    assert_inert_on_github(out)


def test_the_refusal_names_the_file_escaped(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, forge: FakeForge) -> None:
    prompt = cases_prompt(1).replace("provider: default", "provider: {type: command, command: [env]}")
    repo = make_repo(tmp_path, {"eval-action.yaml": "providers:\n  default: {type: openai, model: m}\n",
                                FORGED_NAME: prompt})
    out = run_cli(monkeypatch, capsys, github_env(tmp_path, repo, forge.url, "pull_request_target"), repo.root,
                  ["ci", "--baseline", "none"])
    assert out.code == 2
    assert_inert_on_github(out)


def test_a_prompt_name_cannot_forge_a_gitlab_section(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     fake_llm: FakeLLM) -> None:
    prompt = cases_prompt(1, "{type: contains, value: never}", name=repr(GITLAB_FORGERY)[1:-1].replace("'", ""))
    prompt = prompt.replace("name: ", "name: \"", 1).replace("\nprovider", "\"\nprovider", 1)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "x\x1b[0Ksection_end:1:s\r.prompt.yaml": prompt})
    with FakeForge(token="glpat-PLANTED-note-token-77") as gl:
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_COMMIT_SHA": repo.head,
               "CI_PROJECT_ID": "42", "CI_API_V4_URL": gl.url + "/api/v4",
               "GITLAB_TOKEN": "glpat-PLANTED-note-token-77", "OPENAI_API_KEY": OPENAI_KEY}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
    ours = [ln for ln in our_lines(out) if "section_" in ln]
    assert len(ours) == 2, ours  # the group we open and close, nothing the prompt wrote
    assert "ALL GREEN" not in "".join(ln for ln in our_lines(out) if "\x1b" in ln)


# ---------------------------------------------------------------- includes and symlinks at render time
def symlinked_repo(tmp_path: Path, fake_llm: FakeLLM, template: str, link: str, target: str) -> Repo:
    prompt = (f"name: p\nprovider: default\nmessages:\n  - {{role: user, content: {template!r}}}\n"
              "evals:\n  cases:\n    - {vars: {q: hi}}\n  scorers:\n    - {type: contains, value: x}\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt})
    os.symlink(target, repo.root / link)
    return repo


OUTSIDE = "OUTSIDE-SECRET-CONTENT-91c3"


def run_all(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], repo: Repo) -> Outcome:
    argv = ["run", "--all", "--baseline", "none"]
    return run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root, argv)


@pytest.mark.parametrize("template", [
    "{% set n = 'notes' ~ '.txt' %}{% include n %}",
    "{% include 'notes.txt' %}",
    "{% include ['nope', 'notes' ~ '.txt'] %}",
    "{% from 'notes' ~ '.txt' import x %}",
], ids=["computed", "literal", "list", "import"])
def test_an_include_cannot_follow_a_symlink_out(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, fake_llm: FakeLLM, template: str) -> None:
    (tmp_path / "outside.txt").write_text(OUTSIDE)
    repo = symlinked_repo(tmp_path, fake_llm, template, "notes.txt", str(tmp_path / "outside.txt"))
    out = run_all(monkeypatch, capsys, repo)
    assert out.code == 2, out.stdout + out.stderr
    assert "p.prompt.yaml" in out.stderr and "Traceback" not in out.stderr
    assert fake_llm.requests == []
    assert OUTSIDE not in out.stdout + out.stderr
    assert not (repo.root / "eval-results/report.md").exists()


@pytest.mark.parametrize("template", ["{% include '.git/config' %}", "{% set g = '.g' ~ 'it/config' %}{% include g %}",
                                      "{% include 'sub/../.git/HEAD' %}", "{% include 'gitlink' %}"])
def test_an_include_cannot_read_git(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path, fake_llm: FakeLLM, template: str) -> None:
    repo = symlinked_repo(tmp_path, fake_llm, template, "gitlink", ".git/config")
    (repo.root / "sub").mkdir()
    extraheader = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX1BMQU5URUQ="
    with (repo.root / ".git/config").open("a") as f:
        f.write(f'[http "https://github.com/"]\n\textraheader = {extraheader}\n')
    out = run_all(monkeypatch, capsys, repo)
    assert out.code == 2, out.stdout + out.stderr
    assert fake_llm.requests == []
    assert "eC1hY2Nlc3MtdG9rZW46" not in out.stdout + out.stderr


def test_a_dataset_symlinked_to_proc_environ_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        fake_llm: FakeLLM) -> None:
    repo = symlinked_repo(tmp_path, fake_llm, "{% include 'env.txt' %}", "env.txt", "/proc/self/environ")
    out = run_all(monkeypatch, capsys, repo)
    assert out.code == 2, out.stdout + out.stderr
    assert fake_llm.requests == []
    assert OPENAI_KEY not in out.stdout + out.stderr
