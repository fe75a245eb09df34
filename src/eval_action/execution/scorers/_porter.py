"""The Porter stemmer as promptfoo's `meteor` runs it: a port of the `natural` package's
PorterStemmer (MIT licence, Copyright (c) 2011 Chris Umbel), quirks included, so stems and
therefore METEOR scores are promptfoo's."""

from __future__ import annotations

import re
from collections.abc import Callable

_GROUP_Y = re.compile(r"[^aeiouy]+y")
_CHAR_Y = re.compile(r"[^aeiouy]y")
_DOUBLE_CONSONANT = re.compile(r"([^aeiou])\1$")
_STEP4 = re.compile(r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$")
_STEP4_ION = re.compile(r"^(.+?)(s|t)(ion)$")
_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("abli", "able"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
          ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
          ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
          ("logi", "log")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
          ("ness", "")]


def _groups(token: str) -> str:
    """Runs of consonants as C and of vowels as V (`y` after a consonant counts as a vowel)."""
    return re.sub(r"[^V]+", "C", re.sub(r"[aeiou]+", "V", _GROUP_Y.sub("CV", token)))


def _chars(token: str) -> str:
    return re.sub(r"[^V]", "C", re.sub(r"[aeiou]", "V", _CHAR_Y.sub("CV", token)))


def _measure(token: str | None) -> float:
    if not token:
        return -1
    return len(re.sub(r"V$", "", re.sub(r"^C", "", _groups(token)))) / 2


def _replace_end(token: str, suffix: str, replacement: str) -> str | None:
    return token[: len(token) - len(suffix)] + replacement if token.endswith(suffix) else None


def _replace_patterns(token: str, pairs: list[tuple[str, str]], threshold: float | None) -> str:
    """natural's attemptReplacePatterns: the measure is judged on the original token, the
    replacements applied one after another."""
    result = token
    for suffix, replacement in pairs:
        if threshold is None or _measure(_replace_end(token, suffix, "")) > threshold:
            result = _replace_end(result, suffix, replacement) or result
    return result


def _replace_regex(token: str, regex: re.Pattern[str], parts: tuple[int, ...], minimum: float) -> str | None:
    found = regex.search(token)
    result = "".join(found.group(i) for i in parts) if found else ""
    return result if _measure(result) > minimum else None


def _step1a(token: str) -> str:
    if re.search(r"(ss|i)es$", token):
        return re.sub(r"(ss|i)es$", r"\1", token)
    if token[-1:] == "s" and token[-2:-1] != "s" and len(token) > 2:
        return token[:-1]
    return token


def _step1b_rest(token: str) -> str | None:
    if "V" not in _groups(token):
        return None
    result = _replace_patterns(token, [("at", "ate"), ("bl", "ble"), ("iz", "ize")], None)
    if result != token:
        return result
    if _DOUBLE_CONSONANT.search(token) and re.search(r"[^lsz]$", token):
        return _DOUBLE_CONSONANT.sub(r"\1", token)
    if _measure(token) == 1 and _chars(token)[-3:] == "CVC" and re.search(r"[^wxy]$", token):
        return token + "e"
    return token


def _step1b(token: str) -> str:
    if token.endswith("eed"):
        return token[:-3] + "ee" if _measure(token[:-3]) > 0 else token
    stripped = re.sub(r"(ed|ing)$", "", token, count=1) if re.search(r"(ed|ing)$", token) else None
    result = _step1b_rest(stripped) if stripped else stripped
    return result or token


def _step1c(token: str) -> str:
    if token.endswith("y") and "V" in _groups(token)[:-1]:
        return token[:-1] + "i"
    return token


def _step4(token: str) -> str:
    return _replace_regex(token, _STEP4, (1,), 1) or _replace_regex(token, _STEP4_ION, (1, 2), 1) or token


def _step5a(token: str) -> str:
    m = _measure(re.sub(r"e$", "", token))
    chars = _chars(token)
    cvc = chars[max(len(chars) - 4, 0):][:3] == "CVC" and re.search(r"[^wxy].$", token) is not None
    if m > 1 or (m == 1 and not cvc):
        return re.sub(r"e$", "", token)
    return token


def _step5b(token: str) -> str:
    return re.sub(r"ll$", "l", token) if _measure(token) > 1 else token


_STEPS: list[Callable[[str], str]] = [
    _step1a, _step1b, _step1c, lambda t: _replace_patterns(t, _STEP2, 0),
    lambda t: _replace_patterns(t, _STEP3, 0), _step4, _step5a, _step5b]


def stem(word: str) -> str:
    if len(word) < 3:
        return word
    token = word.lower()
    for step in _STEPS:
        token = step(token)
    return token
