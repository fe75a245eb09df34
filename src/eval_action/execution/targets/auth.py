"""API keys for model targets: read from the environment the CLI hands over, never logged."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from eval_action.inputs.config import ENV_REF
from eval_action.model.errors import UserError

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def is_local(base_url: str) -> bool:
    """Self-hosted servers (Ollama, vLLM, llama.cpp) usually need no key."""
    parts = urlsplit(base_url)
    return parts.scheme == "http" or (parts.hostname or "") in _LOOPBACK


def api_key(env: Mapping[str, str], variable: str, base_url: str, label: str) -> str | None:
    key = env.get(variable, "").strip()
    if not key and variable in env:
        # `${{ secrets.X }}` of a secret that doesn't exist (a fork PR, a typo) expands to "": each
        # call would be an HTTP 401, reported as the target failing
        raise UserError(f"provider {label}: {variable} is set but empty — the secret it comes from is "
                        "missing or not available to this job; define it, or remove the variable for a "
                        "server that needs no key")
    if key or is_local(base_url):
        return key or None
    raise UserError(f"provider {label} needs an API key but {variable} is not set — add it to the job's "
                    f"environment (e.g. `env: {variable}: ${{{{ secrets.{variable} }}}}`), "
                    "or name another variable with `api_key_env:`")


def base_url(configured: str | None, env: Mapping[str, str], variable: str, default: str) -> tuple[str, str]:
    """The API's base URL and what set it: the provider's `base_url` (its `${env:NAME}` or
    `${env:NAME:default}` parts read here), the variable, or the default."""
    if configured:
        read = [m.group(1) for m in ENV_REF.finditer(configured)]
        url = ENV_REF.sub(lambda m: _url_part(m, env), configured)
        origin = (f"the provider's `base_url` (with {', '.join(read)})" if read
                  else "the provider's `base_url` in eval-action.yaml")
        return url.rstrip("/"), origin
    if env.get(variable):
        return env[variable].rstrip("/"), variable
    return default, f"the default (set {variable} or the provider's `base_url` to change it)"


def _url_part(match: re.Match[str], env: Mapping[str, str]) -> str:
    value = env.get(match.group(1), "").strip() or (match.group(2) or "").strip()
    if not value:
        raise UserError(f"the provider's `base_url` reads {match.group(1)}, which is not set — add it to the "
                        "job's environment (e.g. the endpoint, https://RESOURCE.openai.azure.com)")
    return value.rstrip("/")


def header_values(headers: Mapping[str, str], env: Mapping[str, str], label: str) -> tuple[dict[str, str], list[str]]:
    """A provider's `headers:` with each `${env:NAME}` replaced by that variable, and the values read
    that way (secrets: a gateway key in a header is redacted like the API key)."""
    secrets: list[str] = []

    def read(match: re.Match[str]) -> str:
        value = env.get(match.group(1), "").strip()
        if not value:
            raise UserError(f"provider {label}: a header reads {match.group(1)}, which is not set — add it to "
                            "the job's environment")
        secrets.append(value)
        return value

    return {name: ENV_REF.sub(read, template) for name, template in headers.items()}, secrets
