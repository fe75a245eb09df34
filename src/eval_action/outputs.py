"""Write a run's files into the output directory: results.json, report.md, junit.xml, report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval_action.models import RunReport
from eval_action.report.jsonout import write_results
from eval_action.report.junit import write_junit


@dataclass(frozen=True)
class Written:
    results: Path
    report: Path
    junit: Path


def write_all(report: RunReport, output_dir: Path, body: str) -> Written:
    """`body` is the comment as posted (report.md is exactly what reviewers see)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = Written(results=output_dir / "results.json", report=output_dir / "report.md",
                      junit=output_dir / "junit.xml")
    write_results(report, written.results)
    written.report.write_text(body, encoding="utf-8")
    write_junit(report, written.junit)
    return written
