"""`is-sql`, `contains-sql` and `meteor` beyond promptfoo's cases (tests/promptfoo_cases/): the Porter
stems of the `natural` package promptfoo's meteor uses, and bad values refused by `validate`."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main
from eval_action.execution.scorers._porter import stem

# Porter's own examples and the suffixes of each step, stemmed by natural 8.1.1's PorterStemmer
NATURAL_STEMS = (
    "relational:relat conditional:condit rational:ration valenci:valenc hesitanci:hesit digitizer:digit "
    "conformabli:conform radicalli:radic differentli:differ vileli:vile analogousli:analog "
    "vietnamization:vietnam predication:predic operator:oper feudalism:feudal decisiveness:decis "
    "hopefulness:hope callousness:callous formaliti:formal sensitiviti:sensit sensibiliti:sensibl "
    "triplicate:triplic formative:form formalize:formal electriciti:electr electrical:electr hopeful:hope "
    "goodness:good revival:reviv allowance:allow inference:infer airliner:airlin gyroscopic:gyroscop "
    "adjustable:adjust defensible:defens irritant:irrit replacement:replac adjustment:adjust "
    "dependent:depend adoption:adopt homologou:homolog communism:commun activate:activ angulariti:angular "
    "homologous:homolog effective:effect bowdlerize:bowdler probate:probat rate:rate cease:ceas "
    "controll:control roll:roll caresses:caress ponies:poni ties:ti caress:caress cats:cat feed:feed "
    "agreed:agre plastered:plaster bled:bled motoring:motor sing:sing conflated:conflat troubled:troubl "
    "sized:size hopping:hop tanned:tan falling:fall hissing:hiss fizzed:fizz failing:fail filing:file "
    "happy:happi sky:sky generalizations:gener oscillators:oscil unreachable:unreach specify:specifi "
    "entirety:entireti zerofill:zerofil decimals:decim"
)


@pytest.mark.parametrize(("word", "expected"), [pair.split(":") for pair in NATURAL_STEMS.split()])
def test_meteor_stems_words_as_natural_does(word: str, expected: str) -> None:
    assert stem(word) == expected


PROMPT = """\
messages: [{role: user, content: hi}]
evals:
  cases: [{x: 1}]
  scorers:
    - {type: is-sql}
    - %s
"""


@pytest.mark.parametrize(("scorer", "says"), [
    ("{type: is-sql, value: MySQL}",
     "is-sql takes a mapping as `value` ({databaseType, allowedTables, allowedColumns}), or none"),
    ("{type: contains-sql, value: {databaseType: Oracle}}", "databaseType 'Oracle' is not supported"),
    ("{type: is-sql, value: {allowedTable: [x]}}", "unknown key `allowedTable` in `value`"),
    ("{type: is-sql, value: {allowedTables: 'select::null::t'}}", "`allowedTables` must be a list"),
    ("{type: is-sql, value: {allowedColumns: ['select::null::(']}}", "`allowedColumns`: invalid regex"),
    ("{type: meteor, value: 42}", "meteor needs `value:` — a reference text or a list of them"),
    ("{type: meteor, value: x, alpha: high}", "alpha must be a number"),
    ("{type: meteor, value: x, delta: 1}", "unknown key `delta` for meteor"),
])
def test_bad_values_are_one_line_errors_naming_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str], scorer: str,
                                                             says: str) -> None:
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: m}\n")
    (tmp_path / "p.prompt.yaml").write_text(PROMPT % scorer)
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    errors = [line for line in capsys.readouterr().out.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("eval-action: error: p.prompt.yaml:6: scorer "), errors
    assert says in errors[0], errors
