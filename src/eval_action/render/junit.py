"""JUnit XML: one `<testsuite>` per prompt, one `<testcase>` per case.

The file validates against the Jenkins xUnit XSD, which both Jenkins and GitLab parse. junit-xml
builds the elements; we then drop what that XSD rejects: the `disabled` counts, and times with
more than three decimals. We never set `testcase@file`: the XSD forbids it, and GitLab, which
would read it, already shows the prompt path from `classname` (and `testsuite@file`, which the
XSD allows, carries it too). Errored cases are `<error>` (infrastructure), never `<failure>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from junit_xml import TestCase, TestSuite

from eval_action.model.files import atomic_write
from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.render import fmt

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
OUTPUT_CHARS = 2000


def write_junit(report: RunReport, path: Path) -> None:
    root = ET.Element("testsuites", {"name": "eval-action"})
    for prompt in report.prompts:
        if prompt.status != "removed":
            root.append(_suite(prompt))
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", _seconds(sum(float(s.get("time", "0")) for s in root)))
    ET.indent(root)
    atomic_write(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _suite(prompt: PromptResult) -> ET.Element:
    suite = TestSuite(
        _xml(prompt.path),
        [_case(prompt, case) for case in prompt.cases],
        properties=_properties(prompt),
        file=_xml(prompt.path),
        stdout=_xml("\n".join([*prompt.gate_failures, *prompt.notes])) or None,
    )
    element: ET.Element = suite.build_xml_doc()
    element.attrib.pop("disabled", None)
    element.set("time", _seconds(sum(c.latency_ms or 0 for c in prompt.cases) / 1000))
    for testcase in element.iter("testcase"):
        if "time" in testcase.attrib:
            testcase.set("time", _seconds(float(testcase.get("time", "0"))))
    return element


def _properties(prompt: PromptResult) -> dict[str, str]:
    values = {
        "pass_rate": prompt.pass_rate,
        "baseline_pass_rate": prompt.baseline_pass_rate,
        "p_value": prompt.p_value,
    }
    props = {name: f"{value:g}" for name, value in values.items() if value is not None}
    return props | {"baseline": prompt.baseline, "provider": _xml(prompt.provider)}


def _case(prompt: PromptResult, case: CaseResult) -> TestCase:
    seconds = case.latency_ms / 1000 if case.latency_ms else None
    test = TestCase(_xml(case.id), classname=_xml(prompt.path), elapsed_sec=seconds, stdout=_stdout(case))
    if case.errored:
        # GitLab shows an `<error>` without text as a Ruby hash of its attributes: give it a body.
        error = _xml(case.error or "errored")
        test.add_error_info(message=error, output=error, error_type="infrastructure")
    elif not case.passed:
        failing = {label: s for label, s in case.scores.items() if not s.passed}
        message = "; ".join(f"{label}: {s.reason}" for label, s in failing.items()) or "case failed"
        test.add_failure_info(message=_xml(message), output=_failure_text(message, case), failure_type="eval")
    return test


def _failure_text(message: str, case: CaseResult) -> str:
    """The body starts with the message itself: readers that show both (publish-unit-test-result)
    then show it once, and readers that show only the body (GitLab) still get the reason."""
    lines = [message]
    if case.expected is not None:
        lines.append(f"expected: {case.expected}")
    lines.append(f"actual: {(case.output or '')[:OUTPUT_CHARS]}")
    return _xml("\n".join(lines))


def _stdout(case: CaseResult) -> str | None:
    notes = []
    if case.flaky:
        notes.append(f"flaky: passed {case.passes} of {case.repeats} repeats")
    if case.change == "regressed":
        notes.append("regressed vs the baseline")
    if case.cached:
        notes.append("answer served from the cache")
    notes += [f"tool call: {fmt.call_text(c, OUTPUT_CHARS)}" for c in case.tool_calls]
    notes += [f"trace step: {fmt.step_text(s, OUTPUT_CHARS)}" for s in case.trace]
    return _xml("\n".join(notes)) or None


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
