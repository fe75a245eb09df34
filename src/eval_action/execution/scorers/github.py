"""GitHub Models' evaluators, as `gh models eval` runs them: `github/string` and the model-graded judges.

The judges' prompts and 1-5 choices are GitHub's own (github_rubrics.json, from github/gh-models,
MIT), so a `github/coherence` score here means what it means on GitHub. Two deliberate
differences: the reply's rating is read from its last line that names a choice (GitHub takes the
first choice found anywhere, so "on a scale of 1 to 5 … Score: 4" reads as 1), and a `threshold:`
may replace GitHub's pass rule (any rating above the lowest).
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import as_text, fmt, quote, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.inputs.prompts.github_models import JUDGES, STRING_CHECKS
from eval_action.model.results import Score
from eval_action.model.specs import Message, ScorerSpec


@functools.cache
def rubric(name: str) -> dict[str, Any]:
    """GitHub's system prompt, prompt and choices for one built-in judge."""
    text = resources.files("eval_action.execution.scorers").joinpath("github_rubrics.json").read_text("utf-8")
    found: dict[str, Any] = json.loads(text)["evaluators"][name]
    return found


async def string_check(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """GitHub's rules: the reply is trimmed; `equals` is exact, the others ignore case."""
    check, want = _the_check(spec)
    got = ctx.output.strip()
    if check == "equals":
        passed = got == want
    else:
        method = {"contains": "__contains__", "startsWith": "startswith", "endsWith": "endswith"}[check]
        passed = getattr(got.lower(), method)(want.lower())
    if passed:
        return Score(score=1.0, passed=True, reason=f"{check} {quote(want)}")
    return Score(score=0.0, passed=False, reason=f"expected {check} {quote(want)}; got {quote(got)}")


def _the_check(spec: ScorerSpec) -> tuple[str, str]:
    given = [k for k in STRING_CHECKS if spec.options.get(k) is not None]
    if len(given) != 1:
        raise ScorerError(f"github/string needs exactly one of {', '.join(STRING_CHECKS)}")
    return given[0], as_text(spec.options[given[0]])


def _judge(name: str) -> Any:
    async def score(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        found = rubric(name)
        return await _graded(spec, ctx, found["system"], found["prompt"], found["choices"])
    return score


async def custom_judge(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """An evaluator's own `llm:` block: prompt, choices and optional system prompt."""
    options = spec.options
    return await _graded(spec, ctx, as_text(options.get("system_prompt") or ""), as_text(options["prompt"]),
                         options["choices"])


async def _graded(spec: ScorerSpec, ctx: ScoreContext, system: str, prompt: str,
                  choices: list[dict[str, Any]]) -> Score:
    # GitHub fills `{{name}}` by plain replacement, not a template engine: the judge sees the same text.
    values = {**{k: as_text(v) for k, v in ctx.vars.items()}, "completion": ctx.output}
    if ctx.expected is not None:
        values["expected"] = as_text(ctx.expected)
    for key, value in values.items():
        prompt = prompt.replace("{{" + key + "}}", value)
    messages = [Message(role="system", content=system)] if system else []
    reply = await ctx.grader.complete(spec.provider, [*messages, Message(role="user", content=prompt)])
    choice, score = pick_choice(reply, choices)
    passed = score >= spec.threshold if spec.threshold is not None else score > 0
    return Score(score=score, passed=passed, reason=f"grader chose {quote(choice, 20)}: score {fmt(score)}")


def pick_choice(reply: str, choices: list[dict[str, Any]]) -> tuple[str, float]:
    """The choice named last in the reply's last line that names one (the rubrics end on the score)."""
    names = {str(c["choice"]).lower(): c for c in choices}
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE)
    for line in reversed(reply.splitlines()):
        found = pattern.findall(line)
        if found:
            chosen = names[found[-1].lower()]
            return str(chosen["choice"]), float(chosen["score"])
    raise ScorerError(f"grader reply names none of the choices {', '.join(quote(n, 20) for n in names)}; "
                      f"reply starts {quote(reply)}")


def _validate_string(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    given = [k for k in STRING_CHECKS if spec.options.get(k) is not None]
    return [] if len(given) == 1 else [f"github/string needs exactly one of {', '.join(STRING_CHECKS)}"]


def _validate_judge(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    return threshold_problems(spec, 0, 1)


def _validate_custom(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = [] if spec.options.get("prompt") else ["github/llm needs `prompt:`"]
    choices = spec.options.get("choices")
    if not isinstance(choices, list) or not choices or not all(
            isinstance(c, dict) and "choice" in c and isinstance(c.get("score"), int | float) for c in choices):
        problems.append("github/llm needs `choices:` — a list of {choice, score}")
    return problems + threshold_problems(spec, 0, 1)


SCORERS: dict[str, ScorerDef] = {
    "github/string": ScorerDef(string_check, _validate_string, options=frozenset(STRING_CHECKS)),
    "github/llm": ScorerDef(custom_judge, _validate_custom, options=frozenset({"prompt", "choices", "system_prompt"})),
    **{f"github/{name}": ScorerDef(_judge(name), _validate_judge) for name in JUDGES},
}
