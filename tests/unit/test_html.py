"""report.html as a file: self-contained, small enough, and its JSON island unbreakable."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from browser.html_samples import FAILING, HOSTILE, big_report, many_prompts, mixed_report
from eval_action.model.results import RunReport
from eval_action.render.html import DATA_BUDGET, TEXT_CAPS, _payload, embed_json, render_html, write_html

ISLAND = re.compile(r'<script type="application/json" id="data">(.*?)</script>', re.S)


class _Tags(HTMLParser):
    """Records what a browser's tokenizer would see: tags, their attributes, and script bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script":
            self.scripts.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def _island(page: str) -> dict[str, object]:
    match = ISLAND.search(page)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_hostile_text_cannot_close_the_island() -> None:
    page = render_html(mixed_report())
    tags = _parse(page)
    assert [t for t, _ in tags.tags if t == "script"] == ["script", "script"]
    assert not [t for t, _ in tags.tags if t in ("img", "b", "iframe", "object")]
    island = ISLAND.search(page)
    assert island is not None and not re.search(r"[<>&\u2028\u2029]", island.group(1))
    data = _island(page)
    outputs = [c.get("output") for c in data["cases"]]  # type: ignore[attr-defined]
    assert all(text in outputs for text in HOSTILE)  # escaped, not lost


def test_page_loads_nothing_from_outside() -> None:
    page = render_html(mixed_report())
    outside = ISLAND.sub("", page)  # the island is data (it holds the CI run link), not markup
    assert not re.search(r"https?:|//[a-z]|@import|url\(", outside, re.I)
    assert re.search(r"\b(fetch|XMLHttpRequest|WebSocket|import\(|eval\(|innerHTML|outerHTML)\b", outside) is None
    csp = [a for t, a in _parse(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp[0]["content"] == (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")


def test_the_title_is_escaped_and_the_summary_matches_the_comment() -> None:
    page = render_html(mixed_report())
    assert "<title>Eval — 3/9 cases passed (33.3%) · 1 errored</title>" in page
    data = _island(page)
    assert data["state"] == {"key": "fail", "symbol": "✗", "label": "Gate failed"}
    first = data["prompts"][0]  # type: ignore[index]
    assert (first["pass_rate"], first["change"]) == ("60.0%", "unchanged")
    assert first["words"] == ["pass rate 60.0% is below min_pass_rate 90%", "1 regressed", "1 errored", "1 flaky"]


def test_prompts_come_most_severe_first_and_quiet_ones_are_folded() -> None:
    data = _island(render_html(many_prompts()))
    prompts = data["prompts"]  # type: ignore[index]
    assert [p["path"] for p in prompts[:5]] == [f"prompts/p{i:03}.prompt.yaml" for i in FAILING]
    assert all(p.get("quiet") for p in prompts[5:]) and not any(p.get("quiet") for p in prompts[:5])
    assert data["quiet"] == "195 prompts passed, unchanged (585 cases)"
    first_case = data["cases"][0]  # type: ignore[index]
    assert prompts[first_case["prompt"]]["path"] == "prompts/p017.prompt.yaml", "cases follow their prompt"


def test_five_thousand_cases_stay_under_five_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    write_html(big_report(5000, 20_000), path)
    assert path.stat().st_size < 5_000_000
    data = _island(path.read_text(encoding="utf-8"))
    first = data["cases"][0]  # type: ignore[index]
    assert data["cap"] is not None and first["output"]["of"] == 20_000
    assert len(first["output"]["text"]) == data["cap"]
    assert len(data["cases"]) == 5000  # type: ignore[arg-type]


def test_a_big_run_gets_the_largest_cap_that_fits() -> None:
    report = big_report(3000, 20_000)
    sizes = {cap: len(embed_json(_payload(report, cap)).encode()) for cap in TEXT_CAPS}
    fitting = next(cap for cap in TEXT_CAPS if sizes[cap] <= DATA_BUDGET)
    assert fitting < TEXT_CAPS[0], "the sample must need a smaller cap"
    assert _island(render_html(report))["cap"] == fitting


def test_small_runs_keep_the_full_cap() -> None:
    data = _island(render_html(mixed_report()))
    long_case = next(c for c in data["cases"] if c["id"] == "long")  # type: ignore[attr-defined]
    assert data["cap"] is None
    assert long_case["output"] == {"text": ("word " * 3000)[:4000], "of": 15_000}
    chile = next(c for c in data["cases"] if c["id"] == "chile")  # type: ignore[attr-defined]
    assert chile["status"] == "errored" and "output" not in chile


def test_an_empty_run_renders() -> None:
    data = _island(render_html(RunReport(status="skipped", mode="informational")))
    assert data["cases"] == [] and data["banners"] == ["No prompt affected by this change."]


@given(st.text())
def test_embedded_json_round_trips_any_text(text: str) -> None:
    encoded = embed_json({"t": text})
    assert not re.search(r"[<>&\u2028\u2029]", encoded)
    assert json.loads(encoded) == {"t": text}


def test_tool_calls_and_trace_steps_are_listed_beside_the_baselines() -> None:
    from test_report_golden import tool_regression

    from eval_action.model.answer import TraceStep

    report = tool_regression()
    prompt = report.prompts[0]
    traced = prompt.cases[0].model_copy(update={"trace": [
        TraceStep(type="tool_call", name="issue_refund", input={"order_id": "A1"}, output="ok", duration_ms=12)]})
    report = report.model_copy(update={"prompts": [prompt.model_copy(update={"cases": [traced, *prompt.cases[1:]]})]})
    data = json.loads(ISLAND.findall(render_html(report))[0])
    case = data["cases"][0]
    assert case["calls"] == ['issue_refund({"order_id":"A1","amount":20,"note":"`</details>` @octocat"})',
                             'notify({"to": "cust (not JSON))']
    assert case["baseline"]["calls"] == ['lookup_order({"order_id":"A1"})']
    assert case["steps"] == ['tool_call issue_refund {"order_id":"A1"} → ok (12 ms)']
