"""Reference-overlap scores with promptfoo's formulas: `bleu`, `gleu`, `rouge-n`, `meteor`.

Each passes when its score reaches `threshold` (promptfoo's defaults: 0.5, 0.5, 0.75, 0.5); a list
value means several acceptable references (bleu, gleu and meteor keep the best).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from eval_action.execution.scorers import _porter
from eval_action.execution.scorers._common import (
    fmt,
    is_templated,
    number,
    quote,
    threshold_problems,
    value_or_expected,
)
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

_DEFAULT_THRESHOLD = {"bleu": 0.5, "gleu": 0.5, "rouge-n": 0.75, "meteor": 0.5}
_METEOR_PARAMETERS = {"alpha": 0.9, "beta": 3.0, "gamma": 0.5}
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


# METEOR as promptfoo computes it: words aligned exactly, then by Porter stem (its synonym stage
# needs WordNet, which is not here: a synonym counts as no match, so scores can only be lower).
_Match = tuple[int, int]
_Words = list[tuple[int, str]]


def _align(candidate: _Words, reference: _Words) -> tuple[list[_Match], _Words, _Words]:
    """promptfoo's matchExactEnums: from the last candidate word back, each takes the last equal
    reference word left."""
    cand, ref, matches = list(candidate), list(reference), []
    for i in range(len(cand) - 1, -1, -1):
        for j in range(len(ref) - 1, -1, -1):
            if cand[i][1] == ref[j][1]:
                matches.append((cand[i][0], ref[j][0]))
                del cand[i], ref[j]
                break
    return matches, cand, ref


def _chunks(matches: list[_Match]) -> int:
    return sum(1 for a, b in itertools.pairwise(matches) if b != (a[0] + 1, a[1] + 1)) + bool(matches)


def _meteor_one(candidate: list[str], reference: list[str], alpha: float, beta: float, gamma: float) -> float:
    cand = [(i, w.lower()) for i, w in enumerate(candidate)]
    ref = [(i, w.lower()) for i, w in enumerate(reference)]
    exact, cand_left, ref_left = _align(cand, ref)
    stemmed, _, _ = _align([(i, _porter.stem(w)) for i, w in cand_left], [(i, _porter.stem(w)) for i, w in ref_left])
    matches = sorted(exact + stemmed, key=lambda m: m[0])
    if not matches:
        return 0.0
    precision, recall = len(matches) / len(cand), len(matches) / len(ref)
    denominator = alpha * precision + (1 - alpha) * recall
    if denominator == 0:
        return 0.0
    fmean = precision * recall / denominator
    return float((1 - gamma * (_chunks(matches) / len(matches)) ** beta) * fmean)


def _meteor_words(text: str) -> list[str]:
    return [re.sub(r"\.+$", "", w) for w in re.split(r"\s+", text)]


def meteor(candidate: str, references: list[str], alpha: float = 0.9, beta: float = 3.0,
           gamma: float = 0.5) -> float:
    """The best METEOR score over the references (promptfoo's alignment, without synonyms)."""
    cand = _meteor_words(candidate)
    return max(_meteor_one(cand, _meteor_words(r), alpha, beta, gamma) for r in references)


def _references(spec: ScorerSpec, ctx: ScoreContext, lists: bool) -> list[str]:
    value = value_or_expected(spec, ctx)
    if isinstance(value, str) and (value or spec.type == "meteor"):
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
        elif type_ == "meteor":
            if not ctx.output:
                raise ScorerError("meteor cannot score an empty answer (promptfoo refuses it too)")
            params = {k: number(spec.options.get(k, d), k) for k, d in _METEOR_PARAMETERS.items()}
            value = meteor(ctx.output, refs, **params)
        elif type_ == "bleu":
            value = bleu(ctx.output, refs)
        else:
            value = gleu(ctx.output, refs) if ctx.output else 0.0
        limit = _DEFAULT_THRESHOLD[type_] if spec.threshold is None else spec.threshold
        passed = value >= limit
        sign = "≥" if passed else "<"
        note = " (exact and stem matches; WordNet synonyms are not used)" if type_ == "meteor" and not passed else ""
        return Score(score=value, passed=passed,
                     reason=f"{type_} {fmt(value)} {sign} {fmt(limit)} against {quote(refs[0])}{note}")

    return score


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = threshold_problems(spec, 0, 1)
    value = spec.value
    if value is None or is_templated(value):
        return problems
    ok = isinstance(value, str) and (bool(value) or spec.type == "meteor")
    if spec.type != "rouge-n":
        ok = ok or (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))
    return problems if ok else [*problems, _value_problem(spec.type)]


def _validate_meteor(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = _validate(spec, prompt_dir, repo_root)
    for key in _METEOR_PARAMETERS:
        raw = spec.options.get(key)
        if raw is not None and not is_templated(raw):
            try:
                number(raw, key)
            except ScorerError as e:
                problems.append(f"meteor: {e} — write a plain number")
    return problems


SCORERS: dict[str, ScorerDef] = {t: ScorerDef(_scorer(t), _validate) for t in ("bleu", "gleu", "rouge-n")}
SCORERS["meteor"] = ScorerDef(_scorer("meteor"), _validate_meteor, options=frozenset(_METEOR_PARAMETERS))
