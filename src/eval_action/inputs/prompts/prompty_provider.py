"""Where a Prompty file's model is called: `model.connection` (v2, and v1 late) or
`model.configuration` (v1) onto our providers.

- no connection: the config's `default` provider with the model replaced (the config decides);
- `kind: reference` names a provider of eval-action.yaml;
- Azure (`provider: azure|foundry`, `type: azure_openai|azure`, or an `azure_deployment`): an
  `openai` provider on Azure's deployments URL, `api-version` query and `api-key` header, with the
  defaults of the openai SDK's Azure client (`AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY`) and
  the api-version Prompty's own runtime sends;
- `serverless`: an OpenAI-compatible endpoint; `openai`/`kind: key`: OpenAI (or the endpoint named);
  `anthropic`: an `anthropic` provider.
A connection that names where or with which key never inherits the default provider's host or key.
Keys are `${env:NAME}` only; endpoints may be `${env:NAME}` (read when the run starts). Both are
checked like any provider's (declared `secrets:`, and on an untrusted head the base decides).
"""

from __future__ import annotations

from typing import Any, Literal

from eval_action.inputs.config import ENV_REF
from eval_action.inputs.prompts.build import resolve_provider
from eval_action.inputs.prompts.schema import PromptyModel
from eval_action.inputs.yamlio import Loc, YamlDoc, show
from eval_action.model.errors import UserError
from eval_action.model.specs import DEFAULT_KEY_VARIABLES, Config, ProviderSpec
from eval_action.model.urlpath import path_segments

AZURE_API_VERSION = "2024-12-01-preview"  # what Prompty's runtime sends to Azure OpenAI
AZURE_ENDPOINT = "${env:AZURE_OPENAI_ENDPOINT}"
AZURE_KEY = "AZURE_OPENAI_API_KEY"
_KEY_FIELDS = ("apiKey", "api_key", "key")
_AZURE_TYPES = ("azure", "azure_openai", "azure_openai_beta")
_ENTRA = ("foundry", "oauth", "remote")  # Entra ID / OAuth sign-in, which a CI job here does not do
_MODEL_TYPES = ("openai", "anthropic", "github")


def literal_key(model: PromptyModel, doc: YamlDoc) -> None:
    """A key written into a committed file is a leaked key, whether or not the file is an eval."""
    conn, loc = connection(model)
    for field in _KEY_FIELDS:
        if field in conn:
            key_env(conn[field], doc, (*loc, field))


def connection(model: PromptyModel) -> tuple[dict[str, Any], Loc]:
    if model.connection is not None:
        return model.connection, ("model", "connection")
    return model.configuration or {}, ("model", "configuration")


def key_env(value: Any, doc: YamlDoc, loc: Loc) -> str:
    match = ENV_REF.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise doc.error(f"`{loc[-1]}` must be `${{env:NAME}}` — keep the key in an environment variable, "
                        "never in the file", loc)
    return match.group(1)  # a `:default` key would be a literal key again: never sent


def provider(model: PromptyModel, config: Config, doc: YamlDoc) -> tuple[str | None, ProviderSpec]:
    conn, loc = connection(model)
    kind = str(conn.get("kind") or conn.get("type") or "")
    family = (model.provider or "").lower()
    if kind == "reference":
        return _reference(conn, model.id, config, doc, loc)
    if kind in _ENTRA:
        raise doc.error(f"connection kind `{kind}` signs in with Entra ID or OAuth, which eval-action does not "
                        "do — use `kind: key` with `apiKey: ${env:NAME}`, or `kind: reference` naming a "
                        "provider of eval-action.yaml", (*loc, "kind"))
    if kind in _AZURE_TYPES or family in ("azure", "foundry") or (not kind and "azure_deployment" in conn):
        return None, _azure(conn, model.id, doc, loc)
    if kind == "serverless":
        return None, _serverless(conn, model.id, doc, loc)
    if kind not in ("", "key", "openai") or family not in ("", "openai", "anthropic"):
        what = f"connection `{show(kind)}`" if kind not in ("", "key", "openai") else f"provider `{show(family)}`"
        raise doc.error(f"{what} is not supported — use openai, azure (azure_openai), foundry with a key, "
                        "serverless, anthropic, or `kind: reference` naming a provider of eval-action.yaml",
                        (*loc, "kind") if kind else ("model", "provider"))
    return _direct(family, conn, model.id, config, doc, loc)


def _model_name(conn: dict[str, Any], model_id: str | None, doc: YamlDoc, loc: Loc) -> str | None:
    name = model_id or conn.get("model") or conn.get("name") or conn.get("azure_deployment")
    if name is not None and not isinstance(name, str):
        raise doc.error("the model name must be a string", loc)
    return name


def _reference(conn: dict[str, Any], model_id: str | None, config: Config, doc: YamlDoc,
               loc: Loc) -> tuple[str | None, ProviderSpec]:
    name = conn.get("name")
    if not isinstance(name, str) or not name:
        raise doc.error("`kind: reference` needs `name:` — a provider of eval-action.yaml", loc)
    found_name, found = resolve_provider(name, config, doc, (*loc, "name"))
    if model_id is None or found.type not in _MODEL_TYPES or found.model == model_id:
        return found_name, found
    return None, found.model_copy(update={"model": model_id})


def _endpoint(value: Any, doc: YamlDoc, loc: Loc) -> str:
    if not isinstance(value, str) or not (ENV_REF.fullmatch(value) or value.startswith(("https://", "http://"))):
        raise doc.error("the endpoint must be an http(s) URL or `${env:NAME}`", loc)
    return value.rstrip("/")


def _key(conn: dict[str, Any], default: str | None, doc: YamlDoc, loc: Loc) -> str | None:
    field = next((f for f in _KEY_FIELDS if f in conn), None)
    return key_env(conn[field], doc, (*loc, field)) if field else default


def _azure(conn: dict[str, Any], model_id: str | None, doc: YamlDoc, loc: Loc) -> ProviderSpec:
    deployment = conn.get("azure_deployment") or model_id
    if not isinstance(deployment, str) or not deployment:
        raise doc.error("an Azure OpenAI model needs its deployment name — `model.id` (or "
                        "`azure_deployment:` in v1 files)", loc)
    try:
        segments = path_segments(deployment)
    except ValueError as err:
        raise doc.error(f"deployment name `{show(deployment)}` {err}", loc) from None
    field = next((f for f in ("azure_endpoint", "endpoint") if f in conn), None)
    endpoint = _endpoint(conn[field], doc, (*loc, field)) if field else AZURE_ENDPOINT
    version = conn.get("api_version") or conn.get("apiVersion") or AZURE_API_VERSION
    return ProviderSpec(type="openai", model=model_id or deployment,
                        base_url=f"{endpoint}/openai/deployments/{segments}",
                        api_version=str(version), api_key_header="api-key", api_key_env=_key(conn, AZURE_KEY, doc, loc))


def _serverless(conn: dict[str, Any], model_id: str | None, doc: YamlDoc, loc: Loc) -> ProviderSpec:
    if "endpoint" not in conn:
        raise doc.error("a serverless connection needs `endpoint:`", loc)
    key = _key(conn, None, doc, loc)
    if key is None:  # without one, Prompty signs in with Entra ID
        raise doc.error("a serverless connection needs `key: ${env:NAME}` — eval-action sends that key as "
                        "a Bearer token and does not sign in with Entra ID", loc)
    model = _model_name(conn, model_id, doc, loc)
    if model is None:
        raise doc.error("a serverless connection needs `model:` (the model the endpoint serves)", loc)
    return ProviderSpec(type="openai", model=model, base_url=_endpoint(conn["endpoint"], doc, (*loc, "endpoint")),
                        api_key_env=key)


def _direct(family: str, conn: dict[str, Any], model_id: str | None, config: Config, doc: YamlDoc,
            loc: Loc) -> tuple[str | None, ProviderSpec]:
    kind: Literal["openai", "anthropic"] = "anthropic" if family == "anthropic" else "openai"
    model = _model_name(conn, model_id, doc, loc)
    field = next((f for f in ("endpoint", "base_url") if f in conn), None)
    key = _key(conn, None, doc, loc)
    if key == DEFAULT_KEY_VARIABLES[kind]:
        key = None
    if field is None and key is None:  # the file does not say where: the config's default decides
        name, default = resolve_provider(None, config, doc, loc)
        fits = default.type in _MODEL_TYPES and family in ("", default.type)
        if model is None or (fits and model == default.model):
            return name, default
        if fits:
            return None, default.model_copy(update={"model": model})
    if model is None:
        raise UserError("the model is not named — add `model: NAME` (or `model.id`)", doc.path, doc.locate(loc))
    return None, ProviderSpec(type=kind, model=model,
                              base_url=_endpoint(conn[field], doc, (*loc, field)) if field else None,
                              api_key_env=key)
