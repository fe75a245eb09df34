"""Reference-overlap scores with promptfoo's formulas: `bleu`, `gleu`, `rouge-n`.

Each passes when its score reaches `threshold` (promptfoo's defaults: 0.5, 0.5, 0.75); a list
value means several acceptable references (bleu and gleu keep the best).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import fmt, is_templated, quote, threshold_problems, value_or_expected
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

_DEFAULT_THRESHOLD = {"bleu": 0.5, "gleu": 0.5, "rouge-n": 0.75}
_BLEU_WEIGHTS = (0.25, 0.25, 0.25, 0.25)
_SMOOTHING = 1e-7  # promptfoo's floor for an n-gram precision of 0, so one empty order isn't fatal


def ngrams(words: list[str], n: int) -> list[str]:
    if n <= 0 or n > len(words):
        return []
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def _words(text: str) -> list[str]:
    return text.lower().strip().split()


def bleu(candidate: str, references: list[str]) -> float:
    """Sentence BLEU-4, brevity penalty against the closest reference length."""
    if not candidate.strip():
        return 0.0
    cand = _words(candidate)
    refs = [_words(r) for r in references]
    closest = min((len(r) for r in refs), key=lambda n: (abs(n - len(cand)), n))
    orders: list[tuple[float, float]] = []
    for n, weight in enumerate(_BLEU_WEIGHTS, start=1):
        grams = Counter(ngrams(cand, n))
        total = sum(grams.values())
        if total == 0:
            continue
        clipped = max(sum(min(c, Counter(ngrams(r, n))[g]) for g, c in grams.items()) for r in refs)
        orders.append((clipped / total, weight))
    penalty = 1.0 if len(cand) > closest else math.exp(1 - closest / len(cand))
    weights = sum(w for _, w in orders)
    if weights == 0:
        return 0.0
    return penalty * math.exp(sum(w / weights * math.log(p or _SMOOTHING) for p, w in orders))


def gleu(candidate: str, references: list[str]) -> float:
    """Google-BLEU: min(precision, recall) over 1- to 4-grams, best reference."""
    cand = [w.rstrip(".") for w in _words(candidate)]
    best = 0.0
    for reference in references:
        ref = [w.rstrip(".") for w in _words(reference)]
        if cand == ref:
            return 1.0
        matches = cand_total = ref_total = 0
        for n in range(1, 5):
            c, r = Counter(ngrams(cand, n)), Counter(ngrams(ref, n))
            matches += sum(min(k, r[g]) for g, k in c.items())
            cand_total += sum(c.values())
            ref_total += sum(r.values())
        if cand_total and ref_total:
            best = max(best, min(matches / cand_total, matches / ref_total))
    return best


# js-rouge's Penn Treebank tokenizer, which promptfoo's rouge-n uses, in its main rules.
_ID = r"[\w\u200c\u200d]"
_CONTRACTIONS = [re.compile(rf"(?<!{_ID}){p}(?!{_ID})", re.I) for p in (
    "(can)(not)", "(d)('ye)", "(gim)(me)", "(gon)(na)", "(got)(ta)", "(lem)(me)", "(more)('n)",
    "(wan)(na)(?= )", "('t)(is)", "('t)(was)")]
_RULES = [
    (re.compile(r"\.{3}"), " ... "),
    (re.compile(r"[:,](?!\d)"), r" \g<0> "),
    (re.compile(r"[;@#$%&]"), r" \g<0> "),
    (re.compile(r"([^.])(?<!\b[A-Za-z]\.[A-Za-z])(\.)([\])}>'\s]*)$"), r"\1 \2\3 "),
    (re.compile(r"[?!]"), r" \g<0> "),
    (re.compile(r"[\][(){}<>]"), r" \g<0> "),
    (re.compile(r"--"), " -- "),
]
_ENDINGS = [
    (re.compile(r"([^'])' "), r"\1 ' "),
    (re.compile(r"'([sSmMdD]) "), r" '\1 "),
    (re.compile(r"('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r" \1 "),
]
_QUOTE_RE = re.compile(r"``|''|\"")


def treebank_tokens(text: str) -> list[str]:
    flat = re.sub(r"[\s\u0085]+", " ", text).strip()
    if not flat:
        return []
    flat = _QUOTE_RE.sub(lambda m: " `` " if m.start() == 0 or flat[m.start() - 1] in " ([{<" else " '' ",
                         flat)
    for rx, repl in _RULES:
        flat = rx.sub(repl, flat)
    flat = f" {flat} "
    for rx, repl in _ENDINGS:
        flat = rx.sub(repl, flat)
    for rx in _CONTRACTIONS:
        flat = rx.sub(lambda m: " " + " ".join(g for g in m.groups()) + " ", flat)
    return re.sub(r" {2,}", " ", flat).strip().split(" ")


def rouge_n(candidate: str, reference: str, n: int = 1) -> float:
    """ROUGE-N F1 with clipped counts, on lower-cased text, as promptfoo computes it."""
    cand, ref = treebank_tokens(candidate.lower()), treebank_tokens(reference.lower())
    if len(cand) < n or len(ref) < n:
        return 0.0
    c, r = ngrams(cand, n), ngrams(ref, n)
    overlap = sum(min(k, Counter(r)[g]) for g, k in Counter(c).items())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(c), overlap / len(r)
    return 2 * precision * recall / (precision + recall)


def _references(spec: ScorerSpec, ctx: ScoreContext, lists: bool) -> list[str]:
    value = value_or_expected(spec, ctx)
    if isinstance(value, str) and value:
        return [value]
    if lists and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise ScorerError(_value_problem(spec.type))


def _value_problem(type_: str) -> str:
    if type_ == "rouge-n":
        return "rouge-n needs `value:` — the reference text"
    return f"{type_} needs `value:` — a reference text or a list of them"


def _scorer(type_: str) -> Any:
    async def score(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        refs = _references(spec, ctx, lists=type_ != "rouge-n")
        if type_ == "rouge-n":
            value = rouge_n(ctx.output, refs[0])
        elif type_ == "bleu":
            value = bleu(ctx.output, refs)
        else:
            value = gleu(ctx.output, refs) if ctx.output else 0.0
        limit = _DEFAULT_THRESHOLD[type_] if spec.threshold is None else spec.threshold
        passed = value >= limit
        sign = "≥" if passed else "<"
        return Score(score=value, passed=passed,
                     reason=f"{type_} {fmt(value)} {sign} {fmt(limit)} against {quote(refs[0])}")

    return score


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = threshold_problems(spec, 0, 1)
    value = spec.value
    if value is None or is_templated(value):
        return problems
    ok = isinstance(value, str) and bool(value)
    if spec.type != "rouge-n":
        ok = ok or (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))
    return problems if ok else [*problems, _value_problem(spec.type)]


SCORERS: dict[str, ScorerDef] = {t: ScorerDef(_scorer(t), _validate) for t in _DEFAULT_THRESHOLD}
