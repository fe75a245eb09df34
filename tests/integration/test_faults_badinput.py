"""Every file of the bad-input corpus, alone in a repository, through the real CLI: `run --all` and
`validate` exit 2 with one line naming the file (and line), never a traceback, in well under a second."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from harness_ci import OPENAI_KEY, git, run_cli

CORPUS = Path(__file__).parent.parent / "badinput"
GOOD = ("bom.prompt.yaml", "crlf.prompt.md")  # odd but valid: they must load

# corpus file -> where the message must point ("path" or "path:line"); the loader tests check the wording
WHERE = {
    "malformed.prompt.yaml": "malformed.prompt.yaml:4",
    "alias-bomb.prompt.yaml": "alias-bomb.prompt.yaml:",
    "recursive-anchor.prompt.yaml": "recursive-anchor.prompt.yaml:",  # load_prompt says :4, the CLI :2
    "binary.prompt.yaml": "binary.prompt.yaml",
    "latin1.prompt.yaml": "latin1.prompt.yaml:1",
    "duplicate-keys.prompt.yaml": "duplicate-keys.prompt.yaml:4",
    "unknown-key.prompt.yaml": "unknown-key.prompt.yaml:6",
    "wrong-type.prompt.yaml": "wrong-type.prompt.yaml:6",
    "missing-dataset.prompt.yaml": "missing-dataset.prompt.yaml:5",
    "bad-jsonl.prompt.yaml": "data/bad.jsonl:3",
    "escape.prompt.yaml": "escape.prompt.yaml:5",
    "absolute.prompt.yaml": "absolute.prompt.yaml:5",
    "symlink-out.prompt.yaml": "symlink-out.prompt.yaml:5",
    "template-syntax.prompt.md": "template-syntax.prompt.md:9",
    "zero-cases.prompt.yaml": "zero-cases.prompt.yaml:5",
    "no-evals.prompt.yaml": "no-evals.prompt.yaml",
    "unknown-provider.prompt.yaml": "unknown-provider.prompt.yaml:2",
    "bad-provider-type.prompt.yaml": "bad-provider-type.prompt.yaml:2",
    "duplicate-ids.prompt.yaml": "duplicate-ids.prompt.yaml:7",
    "unclosed-front-matter.prompt.md": "unclosed-front-matter.prompt.md:1",
    "stray-tag.prompt.mdx": "stray-tag.prompt.mdx:7",
    "tool-role.prompty": "tool-role.prompty:7",
    "literal-key.prompty": "literal-key.prompty:7",
    "threshold-typo.prompt.yaml": "threshold-typo.prompt.yaml:7",
    "bad-csv.prompt.yaml": "data/bad.csv:3",
}


def test_the_table_covers_the_whole_corpus() -> None:
    prompts = {p.name for p in CORPUS.iterdir() if (p.is_file() and ".prompt" in p.name) or p.suffix == ".prompty"}
    assert prompts - set(WHERE) == set(GOOD), "a new corpus file needs a row here"


@pytest.fixture
def one_bad_repo(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    name: str = request.param
    root = tmp_path / "repo"
    shutil.copytree(CORPUS / "data", root / "data")
    shutil.copy(CORPUS / name, root / name)
    (tmp_path / "outside.jsonl").write_text('{"x": 1}\n')
    (root / "data/link.jsonl").symlink_to(tmp_path / "outside.jsonl")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "bad input")
    return root


@pytest.mark.parametrize("one_bad_repo", sorted(WHERE), indirect=True)
@pytest.mark.parametrize("command", [["run", "--all"], ["validate"]], ids=["run", "validate"])
def test_bad_input_is_exit_2_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                           one_bad_repo: Path, command: list[str]) -> None:
    name = next(p.name for p in one_bad_repo.iterdir() if p.is_file())
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}  # never called
    started = time.monotonic()
    out = run_cli(monkeypatch, capsys, env, one_bad_repo, command)
    assert time.monotonic() - started < 1
    assert out.code == 2
    text = out.stdout + out.stderr
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("eval-action: error: ")]
    assert len(errors) == 1, text
    where = WHERE[name]
    assert errors[0].removeprefix("eval-action: error: ").startswith(where), errors[0]
    assert OPENAI_KEY not in text
    assert not (one_bad_repo / "eval-results").exists()  # nothing half-written


@pytest.mark.parametrize("one_bad_repo", GOOD, indirect=True)
def test_odd_but_valid_files_validate(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      one_bad_repo: Path) -> None:
    out = run_cli(monkeypatch, capsys, {}, one_bad_repo, ["validate"])
    assert out.code == 0, out.stdout + out.stderr
    assert "1 prompt file(s) OK" in out.stdout
