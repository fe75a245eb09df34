"""Reports are scrubbed of secrets before anything is written, cheaply when they hold none."""

from __future__ import annotations

from eval_action.execution.redaction import REDACTED, redact_report
from eval_action.model.results import CaseResult, PromptResult, RunReport, Totals

SECRET = "sk-live-0123456789abcdef"


def report(output: str, vars: dict[str, object] | None = None) -> RunReport:
    case = CaseResult(id="c1", passed=True, output=output, vars=vars or {})
    prompt = PromptResult(path="p.prompt.yaml", name="p", status="pass", pass_rate=100.0, cases=[case])
    return RunReport(status="pass", mode="blocking", totals=Totals(cases=1, passed=1), prompts=[prompt])


def test_a_report_without_secrets_is_returned_as_is() -> None:
    clean = report("Paris", {"country": "France"})
    assert redact_report(clean, [SECRET]) is clean


def test_secrets_in_outputs_and_var_names_are_blanked() -> None:
    scrubbed = redact_report(report(f"the key is {SECRET}", {SECRET: "x"}), [SECRET])
    case = scrubbed.prompts[0].cases[0]
    assert case.output == f"the key is {REDACTED}" and list(case.vars) == [REDACTED]


def test_a_secret_json_escapes_is_still_found() -> None:
    quoted = 'pass"word\\with-escapes'
    scrubbed = redact_report(report(f"echo {quoted}"), [quoted])
    assert scrubbed.prompts[0].cases[0].output == f"echo {REDACTED}"
