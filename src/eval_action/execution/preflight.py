"""What would fail before any call: checked for every planned prompt, all problems gathered at once.

A scorer that can't run, a template variable a case lacks or a key that is missing would otherwise
surface only after the model calls were paid for, as errored cases (exit 3, or 0 in informational
mode) that blame the target for the configuration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from eval_action.execution.scorers import logprobs
from eval_action.execution.scorers.base import CLASSIFIERS
from eval_action.execution.scorers.registry import (
    grades_with_a_model,
    provider_types,
    render_options,
    validate_scorer,
)
from eval_action.inputs.templating import case_context, render_messages
from eval_action.model.errors import Problems, UserError
from eval_action.model.specs import Case, Config, PromptSpec, ProviderSpec, ScorerSpec, flat_scorers
from eval_action.selection import trust

NO_SCORERS = ("the eval has cases but no scorers, so every case would pass — add `scorers:` "
              "(e.g. `- {type: contains, value: \"{{ expected }}\"}`)")


def check_prompt(spec: PromptSpec, repo_root: Path, config: Config, problems: Problems,
                 env: Mapping[str, str] | None = None) -> None:
    """Every problem of one loaded prompt; `env` (None in `validate`) adds the providers' keys."""
    unscored = [c.id for c in spec.cases if not spec.scorers and not c.scorers]
    if unscored:
        problems.add(UserError(NO_SCORERS + _cases_named(unscored), spec.path))
    prompt_dir = (repo_root / spec.path).parent
    for scorer in spec.scorers:
        for text in [*validate_scorer(scorer, prompt_dir, repo_root), *_unserved(scorer, config)]:
            problems.add(UserError(f"scorer `{scorer.label}`: {text}", spec.path, scorer.line))
    for case in spec.cases:
        for scorer in case.scorers:
            for text in [*validate_scorer(scorer, prompt_dir, repo_root), *_unserved(scorer, config)]:
                problems.add(UserError(f"case `{case.id}` scorer `{scorer.label}`: {text}", case.source or spec.path))
    _check_rendering(spec, repo_root, problems)
    _check_logprobs(spec, problems)
    if spec.provider.type == "huggingface":
        problems.add(UserError(f"provider {spec.provider.label()} classifies text and cannot answer a prompt — "
                               "give the prompt a model provider, and name this one as a `classifier` "
                               "scorer's `provider:`", spec.path))
    with problems.collecting():
        trust.check_key_variables(spec, config)
    _check_params(spec.params, spec.path, problems)
    for provider in _providers(spec, config):
        _check_params(provider.params, f"{spec.path}: provider {provider.label()}", problems)
        if env is not None:
            _check_key(provider, repo_root, env, problems)


def _unserved(scorer: ScorerSpec, config: Config) -> list[str]:
    """The scorer's provider (or the grader it falls back to) is of a type that cannot serve it: every
    case would error after the run started."""
    problems = []
    for one in flat_scorers([scorer]):
        types = provider_types(one)
        if types is None:
            continue
        serves, grader_serves = types
        if one.provider is not None or serves != CLASSIFIERS:  # no `provider:` on a classifier: validated
            what = "its provider" if one.provider is not None else "the grader it falls back to (`defaults.grader`)"
            problems += _served(one.provider, serves, config, what)
        if grader_serves is not None:
            problems += _served(None, grader_serves, config, "the grader it embeds with (`defaults.grader`)")
    return problems


def _served(value: str | ProviderSpec | None, serves: frozenset[str], config: Config, what: str) -> list[str]:
    named = value if value is not None else config.defaults.grader or "default"
    provider = named if isinstance(named, ProviderSpec) else config.providers.get(named)
    if provider is None or provider.type in serves:  # an unknown name is the loader's error
        return []
    return [f"{what} {provider.label()} is of type {provider.type}, which cannot serve it — use a provider "
            f"of type {', '.join(sorted(serves))}"]


def _check_logprobs(spec: PromptSpec, problems: Problems) -> None:
    """perplexity scores the target's token logprobs: only an OpenAI-compatible API asked for them has any."""
    every = flat_scorers([*spec.scorers, *(s for c in spec.cases for s in c.scorers)])
    wanting = next((s for s in every if s.type.removeprefix("not-") in logprobs.TYPES), None)
    if wanting is None:
        return
    provider = spec.provider
    if provider.type not in ("openai", "github"):
        problems.add(UserError(f"scorer `{wanting.label}` needs the answer's token logprobs, and "
                               f"{provider.label()} returns none — use an OpenAI-compatible provider with "
                               "`params: {logprobs: true}`, or drop the scorer", spec.path, wanting.line))
    elif not {**provider.params, **spec.params}.get("logprobs"):
        problems.add(UserError(f"scorer `{wanting.label}` needs the answer's token logprobs — add "
                               "`logprobs: true` to the prompt's `params:` (or its provider's)", spec.path,
                               wanting.line))


def _cases_named(ids: list[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f" (cases without any: {shown})"


def _check_rendering(spec: PromptSpec, repo_root: Path, problems: Problems) -> None:
    """Render each case's messages and scorer options; one line per distinct problem, naming the
    first case it hits and how many others it hits too (500 cases lacking one variable is one fix)."""
    seen: dict[str, list[UserError]] = {}
    for case in spec.cases:
        for e in _case_problems(spec, case, repo_root):
            seen.setdefault(e.message, []).append(e)
    for hits in seen.values():
        first = hits[0]
        more = f" (and {len(hits) - 1} more case(s))" if len(hits) > 1 else ""
        problems.add(UserError(first.message + more, first.path, first.line))


def _case_problems(spec: PromptSpec, case: Case, repo_root: Path) -> Iterator[UserError]:
    try:
        render_messages(spec, case, repo_root)
    except UserError as e:
        yield e
    variables = {**case_context(case), "output": ""}
    for scorer in [*spec.scorers, *case.scorers]:
        try:
            render_options(scorer, variables, repo_root, f"{spec.path} (case {case.id})",
                           (repo_root / spec.path).parent)
        except UserError as e:
            yield e


def _providers(spec: PromptSpec, config: Config) -> Iterator[ProviderSpec]:
    """The providers a run of `spec` calls: its target, and the graders when a scorer grades."""
    every = flat_scorers([*spec.scorers, *(s for c in spec.cases for s in c.scorers)])
    graded = any(grades_with_a_model(s) for s in every)
    for ref in trust.provider_refs(spec, config):
        if ref.where == "target" or graded:
            yield ref.provider


def _check_params(params: Mapping[str, object], where: str, problems: Problems) -> None:
    # a streamed answer arrives as server-sent events, which no target parses: every call would
    # end "malformed response body" after its retries
    if params.get("stream"):
        problems.add(UserError(f"params `stream: {params['stream']}` is not supported — eval-action reads "
                               "whole responses; remove `stream`", where))
    # `n` answers are billed (and counted in the usage) but one is scored: the figures would not match
    n = params.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n > 1:
        problems.add(UserError(f"params `n: {n}` asks for {n} answers a call but one is scored — use "
                               f"`repeats: {n}`: every repeat is scored, and disagreements show as flaky", where))


def _check_key(provider: ProviderSpec, repo_root: Path, env: Mapping[str, str], problems: Problems) -> None:
    if provider.type in trust.CODE_PROVIDERS:
        return  # user code is never loaded before the run (nor on untrusted heads at all)
    # imported here: `validate` passes no env and loads no target module
    from eval_action.execution.targets.http import HttpPool
    from eval_action.execution.targets.registry import make_classifier, make_target
    from eval_action.execution.usercode.pool import UserCode

    with problems.collecting():  # building a model target reads its key, and that is all it does
        if provider.type == "huggingface":
            make_classifier(provider, env=env, http=HttpPool(1), timeout_s=1)
        else:
            make_target(provider, env=env, repo_root=repo_root, http=HttpPool(1), timeout_s=1,
                        usercode=UserCode(env, 1))
