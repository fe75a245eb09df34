"""`eval-action run` end to end: a real git repository, the loopback fake LLM, the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, last_user_text
from support import CAPITALS, capitals_prompt, git, local_run, write_capitals_repo

SECRET = "sk-test-PLANTED-secret-9c2e"
def capitals_responder(body: dict[str, Any]) -> str:
    """Correct with the careful system prompt; the "creative" one gets half of them wrong."""
    system = str(body["messages"][0]["content"])
    country = last_user_text(body).rsplit(" ", 1)[-1].rstrip("?")
    if "creative" in system and country in ("France", "Germany", "Japan", "Italy"):
        return "Atlantis"
    return CAPITALS.get(country, "Unknown")



def write_prompt(repo: Path, system: str, scorer: str = "equals", min_rate: int = 100) -> None:
    (repo / "prompts/capitals.prompt.yaml").write_text(capitals_prompt(system, scorer, min_rate))


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    write_capitals_repo(root)
    fake_llm.respond_with(capitals_responder)
    local_run(root, monkeypatch, fake_llm.url, SECRET)
    git(root, "checkout", "-qb", "feature")
    return root


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def results(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / "eval-results/results.json").read_text())
    return data


def test_regression_is_detected_with_a_p_value_and_blocks(repo: Path, fake_llm: FakeLLM,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    write_prompt(repo, "Be creative with the answer.", min_rate=0)
    commit(repo)
    assert main(["run", "--base", "main"]) == 1
    data = results(repo)
    prompt = data["prompts"][0]
    assert prompt["pass_rate"] == 50.0 and prompt["baseline_pass_rate"] == 100.0
    assert prompt["p_value"] == pytest.approx(0.125)  # 4 discordant pairs, all regressions
    assert data["totals"]["regressions"] == 4
    assert {c["id"]: c["change"] for c in prompt["cases"]}["france"] == "regressed"
    assert "4 case(s) regressed" in prompt["gate_failures"][0]
    assert len(fake_llm.requests) == 16  # 8 head + 8 baseline cases
    body = (repo / "eval-results/report.md").read_text()
    assert "▼ 50.0 pts" in body
    everything = capsys.readouterr().out + body + json.dumps(data) + (repo / "eval-results/junit.xml").read_text()
    assert SECRET not in everything


def test_base_and_head_runs_share_one_pool(repo: Path, fake_llm: FakeLLM) -> None:
    write_prompt(repo, "Be creative with the answer.", min_rate=0)
    commit(repo)
    fake_llm.latency = 0.3
    assert main(["run", "--base", "main", "--concurrency", "16", "--no-cache"]) == 1
    assert len(fake_llm.requests) == 16 and fake_llm.max_in_flight == 16  # 8 base + 8 head, all at once
    times = sorted(r.at for r in fake_llm.requests)
    assert times[-1] - times[0] < 0.25  # one wave, not one run after the other


def test_informational_mode_exits_zero_on_the_same_change(repo: Path) -> None:
    write_prompt(repo, "Be creative with the answer.")
    commit(repo)
    assert main(["run", "--base", "main", "--mode", "informational"]) == 0
    assert results(repo)["status"] == "fail"


def test_scorer_only_change_makes_no_baseline_calls_beyond_the_cache(repo: Path, fake_llm: FakeLLM) -> None:
    write_prompt(repo, "Answer with the city only.", scorer="icontains")
    commit(repo)
    assert main(["run", "--base", "main"]) == 0
    assert len(fake_llm.requests) == 8  # the head's identical requests come from the baseline's cache
    cases = results(repo)["prompts"][0]["cases"]
    assert all(c["cached"] for c in cases)


def test_unchanged_prompt_is_not_run(repo: Path, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "README.md").write_text("docs only\n")
    commit(repo)
    assert main(["run", "--base", "main"]) == 0
    assert results(repo)["status"] == "skipped"
    assert fake_llm.requests == []
    assert "No prompt affected" in (repo / "eval-results/report.md").read_text()


def test_a_run_that_selects_nothing_hints_all(repo: Path, fake_llm: FakeLLM,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A first local run on a clean branch: nothing changed, so say how to evaluate everything."""
    assert main(["run", "--base", "main"]) == 0
    err = capsys.readouterr().err
    assert "no prompt, dataset or scorer changed since main: `eval-action run --all` evaluates every prompt" in err
    assert fake_llm.requests == []


def test_base_ref_is_accepted_as_on_the_action(repo: Path, fake_llm: FakeLLM) -> None:
    write_prompt(repo, "Be creative with the answer.", min_rate=0)
    commit(repo)
    assert main(["run", "--base-ref", "main"]) == 1
    assert results(repo)["totals"]["regressions"] == 4


def test_without_a_base_the_baseline_note_is_said_once(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """This clone has no origin/HEAD: one note for the run, not one under every prompt."""
    (repo / "prompts/other.prompt.yaml").write_text((repo / "prompts/capitals.prompt.yaml").read_text())
    commit(repo)
    assert main(["run", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.count("no baseline: there is no base revision to compare with (set `--base REF`)") == 1
    assert (repo / "eval-results/report.md").read_text().count("no baseline") == 1


def test_dry_run_lists_reasons_and_calls_nothing(repo: Path, fake_llm: FakeLLM,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with open(repo / "prompts/data/capitals.jsonl", "a") as f:
        f.write(json.dumps({"vars": {"country": "Chad"}, "expected": "N'Djamena"}) + "\n")
    commit(repo)
    assert main(["run", "--base", "main", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "prompts/capitals.prompt.yaml: 9 case(s), 9 call(s)" in out
    assert "prompts/data/capitals.jsonl changed" in out
    assert fake_llm.requests == []


def test_a_partial_two_includes_deep_selects_the_prompt(repo: Path, fake_llm: FakeLLM,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for rel, text in {"partials/tone.j2": "{% include 'snippets/brief.j2' %}",
                      "snippets/brief.j2": "Answer with the city only."}.items():
        (repo / rel).parent.mkdir(exist_ok=True)
        (repo / rel).write_text(text)
    write_prompt(repo, "{% include 'partials/tone.j2' %}")
    commit(repo, "partials")
    git(repo, "branch", "-f", "main")
    (repo / "snippets/brief.j2").write_text("Answer in one word.")
    commit(repo)
    assert main(["run", "--base", "main", "--dry-run"]) == 0
    assert "prompts/capitals.prompt.yaml: 8 case(s), 8 call(s) — include snippets/brief.j2 changed" in (
        capsys.readouterr().out)


def test_every_call_errored_is_exit_3_not_a_quality_failure(repo: Path, fake_llm: FakeLLM) -> None:
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "defaults: {retries: 1}\n")
    commit(repo)
    fake_llm.fail_next(100, status=503, retry_after=0)
    assert main(["run", "--all", "--baseline", "none"]) == 3
    data = results(repo)
    assert data["status"] == "error"
    assert data["totals"] == {"cases": 8, "passed": 0, "failed": 0, "errored": 8, "regressions": 0, "flaky": 0}


def test_zero_cases_is_a_configuration_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "prompts/data/capitals.jsonl").write_text("")
    assert main(["run", "--all"]) == 2
    err = capsys.readouterr().err
    assert "prompts/capitals.prompt.yaml:7: dataset `data/capitals.jsonl` has no cases" in err
    assert "Traceback" not in err


def test_baseline_from_an_earlier_results_file(repo: Path, tmp_path: Path) -> None:
    assert main(["run", "--all", "--baseline", "none", "--output-dir", str(tmp_path / "main")]) == 0
    write_prompt(repo, "Be creative with the answer.", min_rate=0)
    assert main(["run", "--all", "--baseline", str(tmp_path / "main/results.json")]) == 1
    prompt = results(repo)["prompts"][0]
    assert prompt["baseline"] == "compared" and prompt["baseline_pass_rate"] == 100.0


def test_shards_cover_every_case_once_and_merge(repo: Path, tmp_path: Path) -> None:
    for i in (1, 2, 3):
        assert main(["run", "--all", "--base", "main", "--shard", f"{i}/3",
                     "--output-dir", str(tmp_path / f"s{i}")]) == 0
    shards = [[c for p in json.loads((tmp_path / f"s{i}/results.json").read_text())["prompts"] for c in p["cases"]]
              for i in (1, 2, 3)]
    assert sorted(len(s) for s in shards) == [2, 3, 3]  # an equal share of the prompt for each shard
    assert sorted(c["id"] for s in shards for c in s) == sorted(c.lower() for c in CAPITALS)
    assert all(c["baseline"]["id"] == c["id"] for s in shards for c in s)  # the baseline follows its case
    assert main(["report", str(tmp_path / "s*/results.json"), "--output-dir", str(tmp_path / "merged")]) == 0
    merged = json.loads((tmp_path / "merged/results.json").read_text())
    assert merged["totals"]["cases"] == 8 and merged["totals"]["passed"] == 8
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy/results.json").write_text((tmp_path / "s1/results.json").read_text())
    assert main(["report", str(tmp_path / "s1"), str(tmp_path / "copy")]) == 2  # the same cases twice


def test_gates_apply_to_the_merged_shards(repo: Path, tmp_path: Path) -> None:
    write_prompt(repo, "Be creative with the answer.", min_rate=75)
    commit(repo)
    for i in (1, 2):  # each shard alone is informational: only the merge decides
        assert main(["run", "--base", "main", "--mode", "informational", "--shard", f"{i}/2",
                     "--output-dir", str(tmp_path / f"s{i}")]) == 0
    assert main(["report", str(tmp_path / "s1"), str(tmp_path / "s2"), "--mode", "blocking",
                 "--output-dir", str(tmp_path / "merged")]) == 1
    merged = json.loads((tmp_path / "merged/results.json").read_text())
    [prompt] = merged["prompts"]
    assert (prompt["pass_rate"], prompt["baseline_pass_rate"], merged["totals"]["regressions"]) == (50.0, 100.0, 4)
    assert prompt["p_value"] == pytest.approx(0.125)
    assert prompt["gate_failures"][0] == "pass rate 50.0% is below the minimum 75%"


def test_a_base_that_does_not_exist_is_an_input_error(repo: Path, fake_llm: FakeLLM,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--base", "mian"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eval-action: error: --base: cannot compare with mian:") and err.count("\n") == 1
    assert fake_llm.requests == []


def test_a_committed_cache_is_not_trusted(repo: Path, fake_llm: FakeLLM) -> None:
    # a PR can commit .eval-cache/ entries keyed by requests anyone can compute, i.e. plant answers
    assert main(["run", "--all", "--baseline", "none"]) == 0  # fills the cache with right answers
    git(repo, "add", "-f", ".eval-cache")
    git(repo, "commit", "-qm", "plant cached answers")
    fake_llm.respond_with(lambda body: "Atlantis")
    before = len(fake_llm.requests)
    assert main(["run", "--all", "--baseline", "none"]) == 1  # the model was asked again, and failed
    assert len(fake_llm.requests) == before + 8
    data = results(repo)
    assert any(".eval-cache is committed to the repository" in n for n in data["notes"])


# ---------------------------------------------------------------- a cache the PR brings, by any route
RUN_ALL = ["run", "--all", "--baseline", "none"]


def plant(repo: Path, fake_llm: FakeLLM, cache_dir: str) -> None:
    """Fill `cache_dir` with right answers and commit them, then make the model wrong."""
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           f"cache: {{dir: '{cache_dir}'}}\n")
    assert main(RUN_ALL) == 0
    git(repo, "add", "-f", "-A")
    git(repo, "commit", "-qm", "plant cached answers")
    fake_llm.respond_with(lambda body: "Atlantis")


def test_pathspec_magic_cannot_hide_a_committed_cache(repo: Path, fake_llm: FakeLLM) -> None:
    plant(repo, fake_llm, "planted")
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "cache: {dir: ':(attr:nosuchattr)planted'}\n")
    os.rename(repo / "planted", repo / ":(attr:nosuchattr)planted")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rename")
    before = len(fake_llm.requests)
    assert main(RUN_ALL) == 1
    assert len(fake_llm.requests) == before + 8


def test_a_cache_behind_a_committed_symlink_is_not_trusted(repo: Path, fake_llm: FakeLLM) -> None:
    plant(repo, fake_llm, "real/inner")
    os.symlink("real", repo / "cachelink")
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "cache: {dir: cachelink/inner}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    before = len(fake_llm.requests)
    assert main(RUN_ALL) == 1
    assert len(fake_llm.requests) == before + 8
    assert any("committed to the repository" in n for n in results(repo)["notes"])


@pytest.mark.parametrize("where", ["../outside-cache", "/tmp/eval-action-abs-cache"])
def test_cache_dir_outside_the_work_tree_is_refused(repo: Path, fake_llm: FakeLLM,
                                                    capsys: pytest.CaptureFixture[str], where: str) -> None:
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           f"cache: {{dir: '{where}'}}\n")
    assert main(RUN_ALL) == 2
    assert "eval-action.yaml" in capsys.readouterr().err
    assert not (repo.parent / "outside-cache").exists()
    assert fake_llm.requests == []
