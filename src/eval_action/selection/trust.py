"""What a prompt reaches, and what an untrusted head may do with it.

On `pull_request_target` (and a GitLab fork MR pipeline run in the parent project) the checkout
is the PR author's while the job holds secrets and a write token (a "pwn request"). Every
provider a prompt can reach — its target, each scorer's grader or embedding provider, the
config's `defaults.grader` — is listed by `provider_refs` alone, so no path is forgotten by one
check and remembered by another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eval_action.inputs.config import ENV_REF
from eval_action.inputs.yamlio import show
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, PromptSpec, ProviderSpec, ScorerSpec, flat_scorers

CODE_PROVIDERS = frozenset({"python", "command"})
# scorers whose value names code of the repository (python here; command and javascript as they come)
CODE_SCORERS = frozenset({"python", "command", "javascript"})
# scorer keys holding JavaScript (promptfoo's `transform`, and `contextTransform` of the RAG scorers)
CODE_KEYS = frozenset({"transform", "contextTransform"})
# what a head may change about a model provider: nothing that decides where a request, or its key, goes
_HARMLESS = frozenset({"model", "params", "timeout_s"})


@dataclass(frozen=True)
class Ref:
    where: str  # "target", "scorer `llm-rubric`", "defaults.grader"
    provider: ProviderSpec
    name: str | None  # the config entry, None when inline


def provider_refs(spec: PromptSpec, config: Config) -> list[Ref]:
    """Each provider `spec` may call, once, named by where it is first referred to."""
    refs = [Ref("target", spec.provider, spec.provider_name)]
    for scorer in flat_scorers(spec.scorers):
        if scorer.provider is not None:
            refs += _resolve(f"scorer `{scorer.label}`", scorer.provider, config)
    for case in spec.cases:  # a dataset row's `assert:` may name a grader of its own
        for scorer in flat_scorers(case.scorers):
            if scorer.provider is not None:
                refs += _resolve(f"case `{case.id}` scorer `{scorer.label}`", scorer.provider, config)
    # graders without `provider:` fall back to this, whether or not this prompt has one today
    refs += _resolve("defaults.grader", config.defaults.grader or "default", config)
    unique: list[Ref] = []
    for ref in refs:
        if all(ref.provider != seen.provider for seen in unique):
            unique.append(ref)
    return unique


def _resolve(where: str, value: str | ProviderSpec, config: Config) -> list[Ref]:
    if isinstance(value, ProviderSpec):
        return [Ref(where, value, None)]
    found = config.providers.get(value)  # an unknown name is the loader's error, reported there
    return [Ref(where, found, value)] if found is not None else []


def user_code(spec: PromptSpec, config: Config) -> list[str]:
    """How `spec` runs code of the repository: python/command targets, graders, embedding
    providers, and scorers whose value names code. [] when it calls models only."""
    found = [f"{ref.where} ({ref.provider.label()})" for ref in provider_refs(spec, config)
             if ref.provider.type in CODE_PROVIDERS]
    found += [f"scorer `{s.label}`" for s in flat_scorers(spec.scorers) if _runs_code(s)]
    found += [f"case `{c.id}` scorer `{s.label}`" for c in spec.cases for s in flat_scorers(c.scorers)
              if _runs_code(s)]  # a row's `assert:`
    return found


def _runs_code(scorer: ScorerSpec) -> bool:
    return scorer.type.removeprefix("not-") in CODE_SCORERS or bool(CODE_KEYS & set(scorer.options))


def runs_user_code(spec: PromptSpec, config: Config) -> bool:
    return bool(user_code(spec, config))


def check_key_variables(spec: PromptSpec, config: Config) -> None:
    """`api_key_env` may name a provider's default variable or one the config lists under `secrets:`:
    otherwise a prompt could send any variable of the job (a deploy key) as its bearer token."""
    for ref in provider_refs(spec, config):
        variable = ref.provider.api_key_env
        if variable is not None and variable != ref.provider.default_key_variable and variable not in config.secrets:
            raise UserError(f"{ref.where} sends the variable {show(variable)} as its API key, but the config does "
                            f"not declare it — add `secrets: [{show(variable)}]` to eval-action.yaml "
                            "if it holds that provider's key", spec.path)
        # a header's `${env:NAME}` sends that variable too: the same rule, with no default to fall back on
        for name in (m.group(1) for value in ref.provider.headers.values() for m in ENV_REF.finditer(value)):
            if name not in config.secrets:
                raise UserError(f"{ref.where} sends the variable {show(name)} in a header, but the config does "
                                f"not declare it — add `secrets: [{show(name)}]` to eval-action.yaml "
                                "if it holds that gateway's key", spec.path)
        # so does a `base_url` that reads one (a Prompty endpoint): its value becomes the host we call
        for name in (m.group(1) for m in ENV_REF.finditer(ref.provider.base_url or "")):
            if name not in config.secrets:
                raise UserError(f"{ref.where} reads the variable {show(name)} into its endpoint, but the config "
                                f"does not declare it — add `secrets: [{show(name)}]` to eval-action.yaml "
                                "if it holds that provider's address", spec.path)


def destination(provider: ProviderSpec) -> dict[str, Any]:
    """Everything that decides where a request and its key go (URL, key variable, headers, kind)."""
    return provider.model_dump(exclude=set(_HARMLESS))


def refused_destinations(spec: PromptSpec, config: Config, base: Config) -> list[str]:
    """The head's settings that would send a request somewhere the base revision's config doesn't."""
    allowed = [destination(p) for p in _base_providers(base)]
    refused = []
    for ref in provider_refs(spec, config):
        if ref.provider.type in CODE_PROVIDERS or destination(ref.provider) in allowed:
            continue
        refused.append(f"{ref.where} of {spec.path}: {_difference(ref, base)}")
    return refused


def _base_providers(base: Config) -> list[ProviderSpec]:
    grader = base.defaults.grader
    return [*base.providers.values(), *([grader] if isinstance(grader, ProviderSpec) else [])]


def _difference(ref: Ref, base: Config) -> str:
    """The first head setting that differs from the base's provider of the same name (or `default`)."""
    twin = base.providers.get(ref.name or "default") or base.providers.get("default")
    head, theirs = destination(ref.provider), destination(twin) if twin else {}
    for key, value in head.items():
        if value != theirs.get(key):
            return f"{key} {show(str(value))} (the base has {show(str(theirs.get(key)))})"
    return "a provider the base revision does not define"
