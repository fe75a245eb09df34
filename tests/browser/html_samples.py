"""Sample runs for the HTML report tests, built straight from the models (hostile text included)."""

from __future__ import annotations

from eval_action.model.results import CaseResult, PromptResult, RunReport, RunStats, Score, Totals

HOSTILE = [
    "</script><script>window.__pwned = 1; alert(1)</script>",
    '<img src=x onerror="window.__pwned = 1">',
    "<!-- <script>window.__pwned=1</script> \u2028 \u2029 & &amp; ]]>",
]
HEAD = "0123456789abcdef0123456789abcdef01234567"
BASE = "fedcba9876543210fedcba9876543210fedcba98"


def score(value: float, reason: str, passed: bool | None = None) -> Score:
    return Score(score=value, passed=value >= 0.5 if passed is None else passed, reason=reason)


def case(case_id: str, output: str, passed: bool, **extra: object) -> CaseResult:
    fields: dict[str, object] = {
        "vars": {"country": case_id.title()},
        "expected": "Paris",
        "latency_ms": 800,
        "tokens": 40,
        "cost_usd": 0.0002,
        "passes": int(passed),
        "scores": {"icontains": score(float(passed), "found 'Paris'" if passed else "'Paris' not found")},
    }
    fields.update(extra)
    return CaseResult(id=case_id, passed=passed, output=output, **fields)  # type: ignore[arg-type]


def capitals() -> PromptResult:
    was = case("france", "The capital of France is Paris, a city on the Seine.", True)
    cases = [
        case("france", "The capital of France is Lyon, a city on the Rhône.", False, baseline=was,
             change="regressed", latency_ms=2400, cost_usd=0.0009,
             scores={"icontains": score(0, "'Paris' not found in output"),
                     "llm-rubric": score(0.9, "Names exactly one city")}),
        case("spain", "Madrid", True, baseline=case("spain", "Barcelona", False), change="improved",
             latency_ms=300, cached=True, expected="Madrid"),
        case("italy", "Rome", True, latency_ms=1200, change="unchanged",
             baseline=case("italy", "Rome", True), expected="Rome"),
        case("peru", "Lima", True, repeats=3, passes=2, flaky=True, expected="Lima", latency_ms=950),
        CaseResult(id="chile", passed=False, error="connection refused after 4 retries (POST /v1/chat)"),
        case("long", "word " * 3000, False, latency_ms=5000, cost_usd=0.02),
    ]
    return PromptResult(path="prompts/capitals.prompt.yaml", name="capitals", status="fail", pass_rate=60.0,
                        baseline_pass_rate=60.0, baseline="compared", cases=cases,
                        gate_failures=["pass rate 60.0% is below min_pass_rate 90%"])


def hostile() -> PromptResult:
    cases = [
        case(f"hostile-{i}", text, False, vars={"q": text}, expected=text,
             scores={"icontains": score(0, text)}, baseline=case(f"hostile-{i}", "safe " + text, True),
             change="regressed")
        for i, text in enumerate(HOSTILE)
    ]
    return PromptResult(path="prompts/<b>evil</b>.prompt.md", name="<script>alert(1)</script>", status="fail",
                        pass_rate=0.0, cases=cases, notes=["</script><script>window.__pwned=1</script>"])


def mixed_report() -> RunReport:
    prompts = [capitals(), hostile()]
    cases = [c for p in prompts for c in p.cases]
    totals = Totals(cases=len(cases), passed=sum(c.passed for c in cases),
                    failed=sum(not c.passed and not c.errored for c in cases),
                    errored=sum(c.errored for c in cases),
                    regressions=sum(c.change == "regressed" for c in cases), flaky=1)
    stats = RunStats(duration_s=83.4, latency_p50_ms=812, latency_p95_ms=2350, tokens=480, cost_usd=0.0123,
                     cache_hits=1, calls=10, models=["openai:gpt-4o-mini"])
    return RunReport(status="fail", mode="blocking", base=BASE, head=HEAD, totals=totals, prompts=prompts,
                     stats=stats, run_url="https://ci.example/run/1", notes=["baseline computed from cache"])


def big_report(cases: int, output_chars: int) -> RunReport:
    text = ("lorem ipsum dolor sit amet " * (output_chars // 27 + 1))[:output_chars]
    results = [case(f"case-{i}", text, i % 3 != 0, baseline=case(f"case-{i}", text[::-1], True))
               for i in range(cases)]
    prompt = PromptResult(path="prompts/big.prompt.yaml", name="big", status="fail", pass_rate=66.7,
                          cases=results)
    totals = Totals(cases=cases, passed=sum(c.passed for c in results), failed=sum(not c.passed for c in results))
    return RunReport(status="fail", mode="blocking", prompts=[prompt], totals=totals)


FAILING = (17, 42, 99, 123, 187)  # where the failures sat in the alphabetical table of the run


def many_prompts() -> RunReport:
    """200 prompts of 3 cases, 5 failing with regressions, the rest passing and unchanged."""
    prompts = []
    for n in range(200):
        failing = n in FAILING
        cases = [case(f"c{i}", "Lyon" if failing else "Paris", not failing, baseline=case(f"c{i}", "Paris", True),
                      change="regressed" if failing else "unchanged") for i in range(3)]
        prompts.append(PromptResult(
            path=f"prompts/p{n:03}.prompt.yaml", name=f"p{n:03}", status="fail" if failing else "pass",
            pass_rate=0.0 if failing else 100.0, baseline_pass_rate=100.0, baseline="compared", cases=cases,
            p_value=0.25 if failing else None,
            gate_failures=["pass rate 0.0% is below the minimum 100%"] if failing else []))
    cases = [c for p in prompts for c in p.cases]
    totals = Totals(cases=len(cases), passed=sum(c.passed for c in cases), failed=sum(not c.passed for c in cases),
                    regressions=15)
    return RunReport(status="fail", mode="blocking", prompts=prompts, totals=totals)
