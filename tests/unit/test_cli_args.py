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
