"""Write a run's files into the output directory: results.json, report.md, junit.xml, report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_action.execution.redaction import redact_text
from eval_action.model.results import RunReport


@dataclass(frozen=True)
class Written:
    results: Path
    report: Path
    junit: Path
    html: Path


def write_all(report: RunReport, output_dir: Path, body: str) -> Written:
    """`body` is the comment as posted (report.md is exactly what reviewers see)."""
    # Imported here, after the evals: the writers (and junit-xml) would add to every run's start-up.
    from eval_action.model.results_io import write_results
    from eval_action.render.html import write_html
    from eval_action.render.junit import write_junit

    output_dir.mkdir(parents=True, exist_ok=True)
    written = Written(results=output_dir / "results.json", report=output_dir / "report.md",
                      junit=output_dir / "junit.xml", html=output_dir / "report.html")
    write_results(report, written.results)
    written.report.write_text(body, encoding="utf-8")
    write_junit(report, written.junit)
    write_html(report, written.html)
    return written


def redact(report: RunReport, secrets: list[str]) -> RunReport:
    """The report with every secret value blanked out.

    A model or the user's agent may echo a key it was given (prompt injection in a dataset makes
    this an attack, not an accident): nothing we write or post may carry it.
    """
    data = report.model_dump(mode="json")
    scrubbed = _scrub(data, secrets)
    return report if scrubbed == data else RunReport.model_validate(scrubbed)


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, secrets): _scrub(v, secrets) for k, v in value.items()}
    return value
