"""JUnit output: valid for the Jenkins XSD (what Jenkins and GitLab parse), readable back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml
from test_report_golden import HOSTILE, SCENARIOS, errored_target, flaky, hostile, regressions, some_fail

from eval_action.model.results import RunReport
from eval_action.render.junit import write_junit

# Jenkins' xUnit JUnit schema (MIT, see its header); GitLab's parser accepts what it allows.
XSD = Path(__file__).resolve().parents[1] / "golden" / "junit-jenkins-xunit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_validates_against_the_jenkins_xsd(
    name: str, tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    out = tmp_path / "out" / "junit.xml"
    write_junit(SCENARIOS[name](), out)
    schema.validate(str(out))
    assert not any(tmp_path.joinpath("out").glob(".junit.xml.*"))  # no temp file left behind


def test_suites_cases_failures_and_properties(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    write_junit(regressions(), out)
    xml = JUnitXml.fromfile(str(out))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["prompts/capital.prompt.yaml", "prompts/tone.prompt.md", "prompts/agent.prompty"]
    capital = suites["prompts/capital.prompt.yaml"]
    assert (capital.tests, capital.failures, capital.errors) == (18, 4, 0)
    props = {p.name: p.value for p in capital.properties()}
    assert (
        props["pass_rate"] == "77.7778"
        and props["baseline_pass_rate"] == "100"
        and props["p_value"] == "0.031"
    )
    case = next(c for c in capital if c.name == "r0")
    assert case.classname == "prompts/capital.prompt.yaml"
    assert case.time == pytest.approx(1.2)
    [failure] = case.result
    assert isinstance(failure, Failure)
    assert failure.message == "icontains: 'Paris' not found in output"
    assert "expected: Paris" in (failure.text or "") and "actual: Lyon 0" in (failure.text or "")
    assert "regressed" in (case.system_out or "")


def test_errored_cases_are_errors_not_failures(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    write_junit(errored_target(), out)
    [suite] = list(JUnitXml.fromfile(str(out)))
    assert (suite.errors, suite.failures) == (6, 0)
    assert all(isinstance(c.result[0], Error) for c in suite)
    assert "connection refused" in next(iter(suite)).result[0].message


def test_flaky_is_noted_in_system_out(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    write_junit(flaky(), out)
    root = ET.parse(out).getroot()
    outs = {tc.get("name"): tc.findtext("system-out") for tc in root.iter("testcase")}
    assert outs["f1"] == "flaky: passed 2 of 3 repeats"
    assert outs["c0"] is None


def test_hostile_text_round_trips_and_control_chars_are_replaced(tmp_path: Path) -> None:
    report = hostile()
    nasty = report.prompts[0].cases[0].model_copy(update={"output": "bell\x07 nul\x00 ok"})
    report = report.model_copy(update={"prompts": [report.prompts[0].model_copy(update={"cases": [nasty]})]})
    out = tmp_path / "junit.xml"
    write_junit(report, out)
    root = ET.parse(out).getroot()
    failure = root.find("./testsuite/testcase/failure")
    assert failure is not None
    assert "actual: bell\ufffd nul\ufffd ok" in (failure.text or "")
    assert HOSTILE.splitlines()[0] in (failure.get("message") or "")
    assert root.find("./testsuite").get("file") == report.prompts[0].path  # type: ignore[union-attr]
    assert all("file" not in tc.attrib for tc in root.iter("testcase"))


def test_totals_on_testsuites(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    write_junit(SCENARIOS["huge"](), out)
    root = ET.parse(out).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5000", "804", "0")
    assert "disabled" not in root.attrib


def _shown_by_publish_unit_test_result(message: str, content: str) -> str:
    """What EnricoMi/publish-unit-test-result-action puts in an annotation's details: the message, unless
    the text body (whitespace-normalised) already starts with it, then the body."""
    def flat(text: str) -> str:
        return " ".join(text.split())

    return content if flat(content).startswith(flat(message)) else f"{message}\n{content}"


def test_error_has_a_text_body_gitlab_can_show(tmp_path: Path) -> None:
    """GitLab reads `<error>` through Hash.from_xml: an element with attributes and no text becomes a
    hash, and its test report shows that hash (`{"type"=>"infrastructure", …}`). With a text body it
    shows the text."""
    out = tmp_path / "junit.xml"
    write_junit(errored_target(), out)
    error = ET.parse(out).getroot().find("./testsuite/testcase/error")
    assert error is not None
    assert (error.text or "").strip() == error.get("message") != ""
    assert "connection refused" in (error.text or "")


@pytest.mark.parametrize("scenario", [regressions, errored_target, some_fail])
def test_publish_unit_test_result_shows_each_reason_once(scenario: Callable[[], RunReport],
                                                          tmp_path: Path) -> None:
    report = scenario()
    out = tmp_path / "junit.xml"
    write_junit(report, out)
    testcases = {(tc.get("classname"), tc.get("name")): tc for tc in ET.parse(out).getroot().iter("testcase")}
    checked = 0
    for prompt in report.prompts:
        for case in prompt.cases:
            reasons = [case.error or ""] if case.errored else [s.reason for s in case.scores.values() if not s.passed]
            if case.passed and not case.errored:
                continue
            [result] = [r for r in testcases[(prompt.path, case.id)] if r.tag in ("failure", "error")]
            shown = _shown_by_publish_unit_test_result(result.get("message") or "", result.text or "")
            for reason in reasons:
                assert shown.count(reason) == 1, shown
                checked += 1
    assert checked


def test_tool_calls_are_in_system_out(tmp_path: Path) -> None:
    from test_report_golden import tool_regression

    out = tmp_path / "junit.xml"
    write_junit(tool_regression(), out)
    outs = {tc.get("name"): tc.findtext("system-out") for tc in ET.parse(out).getroot().iter("testcase")}
    assert outs["where-is-A1"] == (
        "regressed vs the baseline\n"
        'tool call: issue_refund({"order_id":"A1","amount":20,"note":"`</details>` @octocat"})\n'
        'tool call: notify({"to": "cust (not JSON))')
    assert outs["order-status"] == 'tool call: lookup_order({"order_id":"A1"})'
