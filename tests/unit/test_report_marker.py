from __future__ import annotations

from eval_action.render.marker import Marker, make_marker, parse_marker


def test_round_trip() -> None:
    marker = make_marker("ci/eval", "ABC1234", 42)
    assert marker == "<!-- eval-action:ci/eval sha=abc1234 run=42 -->"
    assert parse_marker(marker + "\n## body") == Marker(key="ci/eval", head="abc1234", run_id=42)


def test_unknown_head_and_run_are_left_out() -> None:
    marker = make_marker("k", None, None)
    assert marker == "<!-- eval-action:k -->"
    assert parse_marker(marker) == Marker(key="k", head=None, run_id=None)
    assert make_marker("k", "not a sha", -1) == "<!-- eval-action:k -->"


def test_key_cannot_end_the_comment_or_inject_fields() -> None:
    marker = make_marker("x --> <img src=y> sha=ffff run=9", "abcd", 1)
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    assert "<img" not in marker and " sha=ffff" not in marker.split(" sha=abcd")[0]
    parsed = parse_marker(marker)
    assert parsed is not None and parsed.head == "abcd" and parsed.run_id == 1
    assert make_marker("", None, None) == "<!-- eval-action:default -->"
    assert make_marker("Workflow name: job (1)", None, None) == "<!-- eval-action:Workflow-name-job-1 -->"


def test_only_the_first_line_counts() -> None:
    forged = "## my own comment\n<!-- eval-action:k sha=abcd run=999 -->"
    assert parse_marker(forged) is None
    assert parse_marker(" <!-- eval-action:k -->") is None
    assert parse_marker("<!-- eval-action:k -->\r\nbody") == Marker("k", None, None)
    assert parse_marker("<!-- eval-action:k --> trailing") is None
