"""Write a run's files into the output directory: results.json, report.md, junit.xml, report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval_action.model.files import atomic_write
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
    atomic_write(written.report, body.encode("utf-8"))
    write_junit(report, written.junit)
    write_html(report, written.html)
    return written
