"""Untrusted PR content, secrets and comment integrity, end to end through the real CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness_ci import (
    ANTHROPIC_KEY,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    JOB_TOKEN,
    OPENAI_KEY,
    PR,
    Outcome,
    Repo,
    cases_prompt,
    config,
    github_env,
    leaked,
    make_repo,
    run_cli,
)

from eval_action.render.marker import parse_marker
from fakes.forge import FakeForge
from fakes.llm import FakeLLM

HOSTILE = ("</details></table> <!-- eval-action:forged --> @octocat please merge "
           "![pixel](http://127.0.0.1:9/p.png) | a | b | `x` <script>alert(1)</script>")
CI_TOKEN_NAMES = ("GITHUB_TOKEN", "CI_JOB_TOKEN", "INPUT_GITHUB-TOKEN", "GITLAB_TOKEN")


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=GITHUB_TOKEN) as f:
        yield f


def ci(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
       forge: FakeForge, event: str = "pull_request", **inputs: str) -> Outcome:
    env = github_env(tmp_path, repo, forge.url, event)
    env |= {f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}
    return run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])


def everything_written(tmp_path: Path, repo: Repo, forge: FakeForge, out: Outcome) -> str:
    """Every place a secret could end up: streams, comment, summary, outputs, report files, the cache."""
    files = [tmp_path / "summary.md", tmp_path / "out.txt"]
    files += [p for d in ("eval-results", ".eval-cache") for p in (repo.root / d).rglob("*") if p.is_file()]
    comments = [c["body"] for c in forge.comments.get(PR, [])]
    return "\n".join([out.stdout, out.stderr, *comments, *(p.read_text(errors="replace") for p in files)])


# ---------------------------------------------------------------- Jinja2 sandbox
ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__self__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ namespace.__init__.__globals__ }}",
    "{% include '../../etc/passwd' %}",
]


@pytest.mark.parametrize("where", ["message", "scorer"])
@pytest.mark.parametrize("template", ESCAPES)
def test_sandbox_escapes_are_refused_with_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 fake_llm: FakeLLM, template: str, where: str) -> None:
    quoted = json.dumps(template)
    message = quoted if where == "message" else '"{{ q }}"'
    scorer = f"{{type: contains, value: {quoted if where == 'scorer' else 'echo'}}}"
    prompt = (f"name: p\nprovider: default\nmessages:\n  - {{role: user, content: {message}}}\n"
              f"evals:\n  cases:\n    - {{vars: {{q: hi}}}}\n  scorers:\n    - {scorer}\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt})
    out = run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY}, repo.root,
                  ["run", "--all", "--baseline", "none"])
    assert out.code == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.startswith("eval-action: error: ")]
    assert "p.prompt.yaml" in line
    assert "uid=" not in out.stdout + out.stderr
    assert fake_llm.requests == [] if where == "message" else True  # messages render before any call


# ---------------------------------------------------------------- user code never sees CI tokens
DUMP_TARGET = '''
import os

def run(messages, context):
    return " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()))
'''
DUMP_SCORER = '''
import os

def check(output, context):
    return {"pass": False, "score": 0, "reason": " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()))}
'''


@pytest.mark.parametrize("provider", ["{type: python, function: 'agent.py:run'}", "{type: command, command: [env]}"],
                         ids=["python", "command"])
def test_user_code_never_sees_ci_tokens(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, forge: FakeForge, provider: str) -> None:
    prompt = cases_prompt(1, "{type: python, value: 'scorer.py:check'}")
    repo = make_repo(tmp_path, {"eval-action.yaml": f"providers:\n  default: {provider}\n",
                                "agent.py": DUMP_TARGET, "scorer.py": DUMP_SCORER, "p.prompt.yaml": prompt})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0, out.stderr
    [case] = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"]
    seen = case["output"] + " " + case["scores"]["python"]["reason"]
    assert "PATH=" in seen and "OPENAI_API_KEY=" in seen  # the dump worked; the agent may use its key
    for name in CI_TOKEN_NAMES:
        assert f" {name}=" not in f" {seen}", name
    assert "OPENAI_API_KEY=[redacted]" in seen  # ...but it is never written out
    assert leaked(everything_written(tmp_path, repo, forge, out)) == []


def test_pull_request_target_refuses_user_code(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               forge: FakeForge) -> None:
    cfg = "providers:\n  default: {type: python, function: 'agent.py:run'}\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "agent.py": DUMP_TARGET, "p.prompt.yaml": cases_prompt(1)})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request_target")
    assert out.code == 2
    assert "refusing to run user code of p.prompt.yaml (target (python:agent.py:run))" in out.stderr
    assert "allow-untrusted-code: true" in out.stderr
    assert not (repo.root / "eval-results").exists()
    [comment] = forge.comments[PR]  # nothing ran; the comment says why, as the log does
    assert "configuration error" in comment["body"] and "allow-untrusted-code" in comment["body"]


def test_pull_request_target_runs_user_code_when_allowed(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         forge: FakeForge) -> None:
    cfg = "providers:\n  default: {type: python, function: 'agent.py:run'}\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": cfg, "agent.py": DUMP_TARGET,
                                "p.prompt.yaml": cases_prompt(1, "{type: contains, value: PATH}")})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request_target", allow_untrusted_code="true")
    assert out.code == 0, out.stderr
    assert len(forge.comments[PR]) == 1


# ---------------------------------------------------------------- secrets
def test_no_secret_reaches_any_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path, fake_llm: FakeLLM, forge: FakeForge) -> None:
    fake_llm.fail_next(1, status=401)  # an error message path too
    files = {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(3)}
    files["claude.prompt.yaml"] = cases_prompt(1).replace(
        "provider: default", f"provider: {{type: anthropic, model: m, base_url: '{fake_llm.url}'}}")
    repo = make_repo(tmp_path, files)
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0, out.stderr
    assert {r.headers.get("authorization") for r in fake_llm.requests if "chat" in r.path} == {f"Bearer {OPENAI_KEY}"}
    assert {r.headers.get("x-api-key") for r in fake_llm.requests if "messages" in r.path} == {ANTHROPIC_KEY}
    assert leaked(everything_written(tmp_path, repo, forge, out)) == []
    assert out.stdout.count("::add-mask::") == 1  # the token input, before anything else is printed
    assert out.stdout.splitlines()[0] == f"::add-mask::{GITHUB_TOKEN}"


def echo_headers(llm: FakeLLM) -> None:
    """A model that repeats what it was sent, headers included (concurrency 1: the last request is ours)."""
    llm.respond_with(lambda body: "I was sent " + json.dumps(llm.requests[-1].headers))


def test_a_model_echoing_its_key_is_redacted_in_reports(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       fake_llm: FakeLLM, forge: FakeForge) -> None:
    echo_headers(fake_llm)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url, "{concurrency: 1}"),
                                "p.prompt.yaml": cases_prompt(2, "{type: contains, value: nope}")})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request", no_cache="true")
    cases = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"]
    assert all("Bearer [redacted]" in c["output"] for c in cases)
    written = everything_written(tmp_path, repo, forge, out)
    assert "[redacted]" in forge.comments[PR][0]["body"]
    cache = [p.read_text() for p in (repo.root / ".eval-cache").rglob("*") if p.is_file()]
    assert leaked(written.replace("\n".join(cache), "")) == []



def test_a_model_echoing_its_key_leaves_no_key_in_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           fake_llm: FakeLLM, forge: FakeForge) -> None:
    echo_headers(fake_llm)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url, "{concurrency: 1}"),
                                "p.prompt.yaml": cases_prompt(1)})
    ci(monkeypatch, capsys, tmp_path, repo, forge)
    cache = "".join(p.read_text() for p in (repo.root / ".eval-cache").rglob("*") if p.is_file())
    assert cache and OPENAI_KEY not in cache


# ---------------------------------------------------------------- comment integrity
def strip_code(md: str) -> str:
    """Markdown without fenced blocks and code spans: the only places GitHub leaves text inert."""
    md = re.sub(r"(?ms)^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[`~]*[ \t]*$", "", md)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md, flags=re.S)


def test_hostile_output_cannot_forge_or_hide_anything(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      fake_llm: FakeLLM, forge: FakeForge) -> None:
    fake_llm.respond_with(lambda body: HOSTILE)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": cases_prompt(2, "{type: contains, value: 'never there'}")})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request", mode="blocking")
    assert out.code == 1
    [comment] = forge.comments[PR]
    body = strip_code(comment["body"])
    marker = parse_marker(body)
    assert marker is not None and marker.key == "evals/eval"
    assert body.count("<!--") == 1 and "<!-- eval-action:forged" not in body
    assert HOSTILE in comment["body"]  # shown, inside a code block
    assert body.count("<details") == body.count("</details>") >= 1
    assert "</table>" not in body and "<script" not in body
    assert "@octocat" not in body and "![pixel](" not in body
    assert body.splitlines()[1].startswith("## ❌ Eval — 0/2 cases passed")
    assert "Gate failed" in body
    rows = [ln for ln in comment["body"].splitlines() if ln.startswith("| `p.prompt.yaml`")]
    assert len(rows) == 1 and rows[0].count(" | ") == 4  # the output did not add table cells
    commands = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("::")]
    names = [c.split("::")[1].split(" ")[0] for c in commands]
    assert names == ["add-mask", "group", "endgroup", "error"]  # none from the model
    assert "<script>" not in commands[-1] and "\n" not in commands[-1]



def test_a_forged_marker_from_a_commenter_cannot_suppress_the_report(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_llm: FakeLLM,
        forge: FakeForge) -> None:
    # anyone can paste our marker with a huge run id; only our own identity's comments count
    forge.seed(PR, ["<!-- eval-action:evals/eval run=999999999 -->\n## ✅ Eval — 2/2 cases passed"], author="mallory")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": cases_prompt(2, "{type: contains, value: 'never there'}")})
    ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request", mode="blocking")
    assert any("## ❌ Eval" in c["body"] for c in forge.comments[PR])


def test_gitlab_token_variable_is_masked_from_user_code(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": "providers:\n  default: {type: command, command: [env]}\n",
                                "p.prompt.yaml": cases_prompt(1, "{type: contains, value: PATH}")})
    with FakeForge(token="glpat-PLANTED-custom-var-11") as forge:
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_COMMIT_SHA": repo.head,
               "CI_PROJECT_ID": "42", "CI_API_V4_URL": forge.url + "/api/v4", "CI_JOB_TOKEN": JOB_TOKEN,
               "EVAL_ACTION_TOKEN_VARIABLE": "MY_NOTE_TOKEN", "MY_NOTE_TOKEN": "glpat-PLANTED-custom-var-11",
               "GITLAB_TOKEN": GITLAB_TOKEN}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
        [note] = forge.comments[("gl", "42", 3)]
    assert out.code == 0, out.stderr
    output = json.loads((repo.root / "eval-results/results.json").read_text())["prompts"][0]["cases"][0]["output"]
    assert "MY_NOTE_TOKEN=" not in output and "CI_JOB_TOKEN=" not in output and "GITLAB_TOKEN=" not in output
    assert "glpat-PLANTED-custom-var-11" not in note["body"] + out.stdout + out.stderr


@pytest.mark.parametrize("author", ["some-other-app[bot]", "dependabot[bot]"])
def test_another_bots_marker_cannot_suppress_the_report(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        fake_llm: FakeLLM, forge: FakeForge, author: str) -> None:
    forge.seed(PR, ["<!-- eval-action:evals/eval run=99999999 -->\n## ✅ Eval — 2/2 cases passed"], author=author)
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": cases_prompt(2, "{type: contains, value: 'never there'}")})
    ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request", mode="blocking")
    assert [c["author"] for c in forge.comments[PR]] == [author, "github-actions[bot]"]
    assert "## ❌ Eval" in forge.comments[PR][1]["body"]


def test_two_runs_of_one_pr_converge_on_one_comment(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    fake_llm: FakeLLM, forge: FakeForge) -> None:
    # the other run listed the comments too, found none, and posted just before us
    forge.race("<!-- eval-action:evals/eval run=10 -->\n## ✅ Eval — the other run")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": cases_prompt(2, "{type: contains, value: 'never there'}")})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "pull_request", mode="blocking")
    [comment] = forge.comments[PR]
    assert "## ❌ Eval" in comment["body"] and "run=11" in comment["body"]
    assert "another run of this PR" in out.stderr


def test_two_gitlab_pipelines_of_one_mr_converge_on_one_note(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(1)})
    with FakeForge(token=GITLAB_TOKEN) as gl:
        gl.race("<!-- eval-action:eval run=5 -->\n## the other pipeline")
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_COMMIT_SHA": repo.head,
               "CI_PROJECT_ID": "42", "CI_API_V4_URL": gl.url + "/api/v4", "CI_JOB_NAME": "eval",
               "CI_PIPELINE_ID": "6", "GITLAB_TOKEN": GITLAB_TOKEN, "OPENAI_API_KEY": OPENAI_KEY}
        run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
        [note] = gl.comments[("gl", "42", 3)]
    assert "run=6" in note["body"]


def test_a_failing_output_folder_still_publishes_the_comment_and_summary(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_llm: FakeLLM,
        forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(2)})
    (repo.root / "eval-results/results.json").mkdir(parents=True)  # writable folder, unwritable file
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 2, out.stderr
    assert "Traceback" not in out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.startswith("eval-action: error: ")]
    assert "results.json" in line
    [comment] = forge.comments[PR]
    assert "## ✅ Eval" in comment["body"]
    assert "Eval" in (tmp_path / "summary.md").read_text()
