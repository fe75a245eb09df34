from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report_golden import regressions

from eval_action.model.errors import UserError
from eval_action.model.results_io import read_results, write_results


def test_round_trip_and_spec_shape(tmp_path: Path) -> None:
    report = regressions()
    path = tmp_path / "eval-results" / "results.json"
    write_results(report, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"version", "status", "mode", "base", "head", "totals", "prompts"} <= set(data)
    assert data["version"] == 1 and data["totals"]["regressions"] == 4
    case = data["prompts"][0]["cases"][-1]
    assert {
        "id",
        "passed",
        "error",
        "scores",
        "output",
        "latency_ms",
        "tokens",
        "cost_usd",
        "baseline",
    } <= set(case)
    assert read_results(path) == report
    assert [p.name for p in tmp_path.joinpath("eval-results").iterdir()] == ["results.json"]


def test_overwrite_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("old", encoding="utf-8")
    write_results(regressions(), path)
    assert read_results(path).status == "fail"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"version": 1,\n "status": ', "results.json:2: not valid JSON"),
        ('{"version": 2, "status": "pass", "mode": "blocking"}', "results version 2 is not supported"),
        ('{"version": 1, "status": "maybe", "mode": "blocking"}', "not an eval-action results file: status"),
        ("[1, 2]", "not an eval-action results file"),
    ],
)
def test_bad_files_name_the_file_and_the_fix(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "results.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_results(path)
    assert expected in str(info.value)
    assert "eval-action run" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read results file"):
        read_results(tmp_path / "nope.json")


def test_written_files_are_readable_by_other_users(tmp_path: Path) -> None:
    # a Docker action writes as root; upload-artifact then reads as the runner's user
    from eval_action.model.files import atomic_write

    atomic_write(tmp_path / "out.json", b"{}")
    assert (tmp_path / "out.json").stat().st_mode & 0o044 == 0o044
