"""The runner end to end against the loopback fake: concurrency, retries, cache, repeats, graders."""

from __future__ import annotations

import gc
import itertools
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.model.errors import UserError
from eval_action.model.results import CaseResult
from eval_action.model.specs import Case, Config, Message, Price, PromptJob, PromptSpec, ProviderSpec, ScorerSpec
from fakes.llm import FakeLLM, last_user_text

KEY = "sk-runner-SECRET-42"


def job(llm: FakeLLM, root: Path, *, cases: int = 3, scorers: list[ScorerSpec] | None = None,
        content: str = "say {{ word }}", repeats: int | None = None,
        config: Config | None = None) -> PromptJob:
    provider = ProviderSpec(type="openai", model="gpt-test", base_url=llm.url + "/v1")
    spec = PromptSpec(
        path="prompts/p.prompt.yaml", name="p", kind="yaml", provider=provider, params={"temperature": 0},
        messages=[Message(role="user", content=content)],
        cases=[Case(id=f"c{i}", vars={"word": f"w{i}"}, expected=f"w{i}") for i in range(cases)],
        scorers=scorers if scorers is not None else [ScorerSpec(type="contains", value="{{ expected }}")],
        repeats=repeats)
    cfg = config or Config(providers={"default": provider})
    return PromptJob(spec=spec, repo_root=root, config=cfg)


def options(tmp_path: Path, **kw: Any) -> RunOptions:
    return RunOptions(cache_dir=tmp_path / "cache", **kw)


def run(jobs: list[PromptJob], opts: RunOptions, **kw: Any) -> list[list[CaseResult]]:
    return run_jobs_sync(jobs, opts, {"OPENAI_API_KEY": KEY}, **kw)


def test_cases_run_and_score(fake_llm: FakeLLM, tmp_path: Path) -> None:
    seen: list[str] = []
    (results,) = run([job(fake_llm, tmp_path)], options(tmp_path), on_case=lambda j, c: seen.append(c.id))
    assert [c.id for c in results] == ["c0", "c1", "c2"]
    assert sorted(seen) == ["c0", "c1", "c2"]
    first = results[0]
    assert first.passed and first.output == "echo: say w0" and first.error is None
    assert first.scores["contains"].passed and first.tokens == 2 + 3
    assert first.vars == {"word": "w0"} and first.expected == "w0" and not first.cached
    assert first.latency_ms is not None and first.latency_ms > 0


def test_exactly_c_requests_in_flight(tmp_path: Path) -> None:
    with FakeLLM(latency=0.05) as llm:
        (results,) = run([job(llm, tmp_path, cases=40)], options(tmp_path, concurrency=8, use_cache=False))
        assert llm.max_in_flight == 8
    assert len(results) == 40 and all(c.passed for c in results)


def test_second_run_is_served_from_cache(fake_llm: FakeLLM, tmp_path: Path) -> None:
    jobs = [job(fake_llm, tmp_path)]
    first = run(jobs, options(tmp_path))[0]
    assert len(fake_llm.requests) == 3
    second = run(jobs, options(tmp_path))[0]
    assert len(fake_llm.requests) == 3  # zero new requests
    assert all(c.cached and c.latency_ms == 0 for c in second)
    assert [c.output for c in second] == [c.output for c in first]
    assert [c.tokens for c in second] == [c.tokens for c in first]
    stored = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert KEY not in stored and "authorization" not in stored.lower()


def test_no_cache_neither_reads_nor_writes(fake_llm: FakeLLM, tmp_path: Path) -> None:
    run([job(fake_llm, tmp_path)], options(tmp_path))
    results = run([job(fake_llm, tmp_path)], options(tmp_path, use_cache=False))[0]
    assert len(fake_llm.requests) == 6 and not any(c.cached for c in results)
    run([job(fake_llm, tmp_path, content="other {{ word }}")], options(tmp_path, use_cache=False))
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 3


def test_a_5xx_storm_errors_every_case_and_loses_none(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fail_next(1000, status=503)
    (results,) = run([job(fake_llm, tmp_path, cases=20)], options(tmp_path, retries=2, concurrency=20))
    assert sorted(c.id for c in results) == sorted(f"c{i}" for i in range(20))
    assert all(c.errored and not c.passed for c in results)
    assert results[0].error == "HTTP 503 after 3 attempts: injected 503"
    assert len(fake_llm.requests) == 60
    assert not any(KEY in (c.error or "") for c in results)


def test_one_case_erroring_leaves_the_others(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fail_next(1, status=400)  # not retried: the first request's case errors
    (results,) = run([job(fake_llm, tmp_path, cases=5)], options(tmp_path, concurrency=1))
    errored = [c for c in results if c.errored]
    assert len(errored) == 1 and errored[0].error == "HTTP 400: injected 400" and not errored[0].passed
    assert sum(c.passed for c in results) == 4


def test_repeats_majority_and_flaky(fake_llm: FakeLLM, tmp_path: Path) -> None:
    counter = itertools.count()
    lock = threading.Lock()

    def alternate(body: dict[str, Any]) -> str:
        with lock:
            return "w0" if next(counter) % 2 == 0 else "nope"
    fake_llm.respond_with(alternate)
    (results,) = run([job(fake_llm, tmp_path, cases=1, repeats=3)], options(tmp_path, concurrency=1))
    (case,) = results
    assert (case.repeats, case.passes, case.passed, case.flaky) == (3, 2, True, True)
    assert len(fake_llm.requests) == 3  # each repeat has its own cache entry
    (results,) = run([job(fake_llm, tmp_path, cases=1, repeats=3)], options(tmp_path, repeats=1))
    assert results[0].repeats == 1 and results[0].cached  # the CLI override wins; repeat 0 is cached


def test_failed_case_reports_the_first_failing_run(fake_llm: FakeLLM, tmp_path: Path) -> None:
    answers = iter(["w0", "bad-1", "bad-2"])
    lock = threading.Lock()

    def scripted(body: dict[str, Any]) -> str:
        with lock:
            return next(answers)
    fake_llm.respond_with(scripted)
    # Without the cache nothing reorders the repeats before the single slot: answers arrive in repeat order.
    (results,) = run([job(fake_llm, tmp_path, cases=1, repeats=3)],
                     options(tmp_path, concurrency=1, use_cache=False))
    assert (results[0].passed, results[0].passes, results[0].flaky) == (False, 1, True)
    assert results[0].output == "bad-1"


def test_scorer_that_cannot_run_errors_the_case(fake_llm: FakeLLM, tmp_path: Path) -> None:
    jobs = [job(fake_llm, tmp_path, cases=1, scorers=[ScorerSpec(type="nonsense")])]
    (results,) = run(jobs, options(tmp_path))
    assert results[0].errored and results[0].error is not None
    assert results[0].error.startswith("scorer nonsense could not run: unknown scorer type")


def test_template_error_is_a_config_error_before_any_call(fake_llm: FakeLLM, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="undefined variable"):
        run([job(fake_llm, tmp_path, content="{{ missing }}")], options(tmp_path))
    assert fake_llm.requests == []


def test_cost_from_pricing(fake_llm: FakeLLM, tmp_path: Path) -> None:
    provider = ProviderSpec(type="openai", model="gpt-test", base_url=fake_llm.url + "/v1")
    config = Config(providers={"default": provider},
                    pricing={"gpt-test": Price(input_per_mtok=1_000_000, output_per_mtok=2_000_000)})
    (results,) = run([job(fake_llm, tmp_path, cases=1, config=config)], options(tmp_path))
    assert results[0].cost_usd == pytest.approx(2 * 1 + 3 * 2)  # 2 prompt words, 3 answer words


def test_llm_rubric_goes_through_the_grader_and_its_cache(fake_llm: FakeLLM, tmp_path: Path) -> None:
    def respond(body: dict[str, Any]) -> str:
        if "<Rubric>" in last_user_text(body):
            return json.dumps({"pass": True, "score": 0.9, "reason": "names one city"})
        return "Paris"
    fake_llm.respond_with(respond)
    rubric = [ScorerSpec(type="llm-rubric", value="Names one city")]
    (results,) = run([job(fake_llm, tmp_path, cases=2, scorers=rubric)], options(tmp_path))
    assert all(c.passed and c.scores["llm-rubric"].score == 0.9 for c in results)
    assert len(fake_llm.requests) == 3  # 2 answers + 1 grading (same output, same rubric: cached)


def test_similar_embeds_through_the_grader_with_cache(fake_llm: FakeLLM, tmp_path: Path) -> None:
    similar = [ScorerSpec(type="similar", value="echo: say {{ expected }}", threshold=0.9)]
    jobs = [job(fake_llm, tmp_path, cases=2, scorers=similar)]
    (results,) = run(jobs, options(tmp_path))
    assert all(c.passed for c in results), [c.scores for c in results]
    embeds = [r for r in fake_llm.requests if r.path == "/v1/embeddings"]
    assert len(embeds) == 2 and embeds[0].body["model"] == "text-embedding-3-small"
    run(jobs, options(tmp_path))
    assert len(fake_llm.requests) == 4  # answers and embeddings both cached


def test_a_run_leaves_the_gc_threshold_as_it_found_it(fake_llm: FakeLLM, tmp_path: Path) -> None:
    before = gc.get_threshold()
    run([job(fake_llm, tmp_path)], options(tmp_path))
    assert gc.get_threshold() == before


def test_cached_answers_are_on_disk_when_the_run_returns(fake_llm: FakeLLM, tmp_path: Path) -> None:
    run([job(fake_llm, tmp_path, cases=5)], options(tmp_path))
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 5
    assert {json.loads(p.read_text())["output"] for p in entries} == {f"echo: say w{i}" for i in range(5)}


def test_a_prompt_threshold_passes_cases_on_the_weighted_mean(fake_llm: FakeLLM, tmp_path: Path) -> None:
    scorers = [ScorerSpec(type="equals", value="nope", weight=2), ScorerSpec(type="contains", value="echo")]
    lenient = job(fake_llm, tmp_path, cases=1, scorers=scorers)
    lenient = PromptJob(spec=lenient.spec.model_copy(update={"threshold": 0.2}), repo_root=tmp_path,
                        config=lenient.config)
    strict = PromptJob(spec=lenient.spec.model_copy(update={"threshold": 0.5}), repo_root=tmp_path,
                       config=lenient.config)
    (low,), (high,) = run([lenient, strict], options(tmp_path))
    assert low.passed and not high.passed
    assert not low.scores["equals"].passed  # the scores stay as they were; only the verdict is weighed


def test_grader_calls_tokens_and_cost_are_reported_apart_from_the_targets(fake_llm: FakeLLM, tmp_path: Path) -> None:
    def respond(body: dict[str, Any]) -> str:
        if "<Rubric>" in last_user_text(body):
            return json.dumps({"pass": True, "score": 1, "reason": "ok"})
        return "Paris"
    fake_llm.respond_with(respond)
    provider = ProviderSpec(type="openai", model="gpt-test", base_url=fake_llm.url + "/v1")
    config = Config(providers={"default": provider},
                    pricing={"gpt-test": Price(input_per_mtok=1_000_000, output_per_mtok=1_000_000)})
    rubric = [ScorerSpec(type="llm-rubric", value="Names one city")]
    (results,) = run([job(fake_llm, tmp_path, cases=1, scorers=rubric, config=config)], options(tmp_path))
    case = results[0]
    assert case.tokens == 3 and case.cost_usd == pytest.approx(3)  # the target's own: 2 words in, 1 out
    assert case.calls == 2 and case.grader_calls == 1
    assert case.grader_tokens is not None and case.grader_tokens > 3  # the rubric prompt is longer
    assert case.grader_cost_usd == pytest.approx(case.grader_tokens)
    from eval_action.model.results import PromptResult, RunReport
    from eval_action.render.fmt import stats_parts
    from eval_action.verdict.stats import run_stats

    stats = run_stats([PromptResult(path="p", name="p", status="pass", pass_rate=100, cases=[case])], 1.0)
    assert (stats.tokens, stats.grader_calls, stats.grader_tokens) == (3, 1, case.grader_tokens)
    footer = stats_parts(RunReport(status="pass", mode="blocking", stats=stats))
    assert f"1 grader call(s), {case.grader_tokens:,} tokens, ${case.grader_cost_usd:.2f}" in footer
