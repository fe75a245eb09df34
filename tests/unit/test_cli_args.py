"""Bad command-line values end in argparse's one-line error and exit 2, never a traceback."""

from __future__ import annotations

import pytest

from eval_action import __version__
from eval_action.cli import main


@pytest.mark.parametrize("flag", [["--concurrency", "0"], ["--repeats", "x"], ["--min-pass-rate", "150"],
                                  ["--max-rps", "-1"], ["--mode", "sometimes"]])
def test_bad_values_exit_2_with_one_line(flag: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["run", "--all", *flag])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("eval-action run: error: argument") and "Traceback" not in "".join(err)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"eval-action {__version__}"


def test_validate_imports_no_target_runner_or_platform_module() -> None:
    """`validate` calls nothing, so it loads nothing that calls: a fresh interpreter shows what it imports."""
    import subprocess
    import sys

    code = ("import sys, eval_action.commands.validate; "
            "print(' '.join(m for m in sys.modules if m.startswith('eval_action')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "eval_action.commands.validate" in loaded
    log = ("eval_action.render", "eval_action.render.log")  # the one log-line escaper, a leaf module: it prints
    assert not [m for m in loaded if m.startswith(("eval_action.execution.targets", "eval_action.execution.runner",
                                                   "eval_action.platforms", "eval_action.render"))
                and m not in log]


def test_run_accepts_the_actions_base_ref_name() -> None:
    from eval_action.cli import build_parser

    assert build_parser().parse_args(["run", "--base-ref", "main"]).base == "main"
    assert build_parser().parse_args(["ci", "--base-ref", "main"]).base == "main"
