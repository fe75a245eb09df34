"""Which values are secrets, and text with them blanked out.

A model or the user's agent may echo a key it was given (prompt injection in a dataset makes this
an attack, not an accident): answers are redacted before they are cached, and reports before they
are written or posted.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import quote, quote_plus

from eval_action.model.results import RunReport

# Variables whose values are credentials; a value this short could be a common word, so it is left alone.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_MIN_SECRET_CHARS = 8
_INPUT_PREFIXES = ("INPUT_", "EVAL_ACTION_")
REDACTED = "[redacted]"

# Credentials of the CI itself (GitHub and GitLab): user code never sees them, under `run` and `ci`.
# The one list: the user-code worker environment is built without these too. GitLab puts the job
# token inside CI_REPOSITORY_URL (gitlab-ci-token:<token>@host) and CI_DEPENDENCY_PROXY_PASSWORD.
CI_TOKENS = ("GITHUB_TOKEN", "GH_TOKEN", "INPUT_GITHUB-TOKEN", "INPUT_TOKEN", "CI_JOB_TOKEN",
             "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
             "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2",
             "GITLAB_TOKEN", "CI_REPOSITORY_URL", "CI_DEPENDENCY_PROXY_PASSWORD")


def take_ci_tokens(env: MutableMapping[str, str], extra: Iterable[str | None] = ()) -> None:
    """Remove the CI's tokens (and the variables `extra` names, such as `token-variable`) from `env`."""
    for name in (*CI_TOKENS, *extra):
        if name:
            env.pop(name, None)


def secret_values(env: Mapping[str, str], extra: Iterable[str] = (), names: Iterable[str] = ()) -> list[str]:
    """Values of credential-like variables (API keys, CI tokens) and of the variables `names` lists
    (the config's `secrets:`, which `api_key_env` may send under any name), each also as base64 and
    URL-encoded, longest first.

    The tool's own inputs are skipped (`comment-key`, `token-variable` name things, not secrets):
    the token input arrives through `extra`.
    """
    declared = set(names)
    found = {v for k, v in env.items()
             if (_SECRET_NAME.search(k) and not k.startswith(_INPUT_PREFIXES)) or k in declared}
    found |= set(extra)
    values = {form for v in found if len(v.strip()) >= _MIN_SECRET_CHARS for form in _encodings(v)}
    return sorted(values, key=len, reverse=True)


def _encodings(value: str) -> set[str]:
    """`value`, URL-encoded, and the part of its base64 that any base64 text holding it contains,
    at each of the three alignments (a git extraheader is base64 of `x-access-token:<token>`)."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    data = value.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        core = encoded[4 if offset else 0:-4]  # drop the groups mixed with neighbours or padding
        if len(core) >= _MIN_SECRET_CHARS:
            forms.add(core)
    return forms


def redact_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_report(report: RunReport, secrets: list[str]) -> RunReport:
    """The report with every secret value blanked out.

    A model or the user's agent may echo a key it was given (prompt injection in a dataset makes
    this an attack, not an accident): nothing we write or post may carry it.
    """
    if not secrets or not _mentions(report.model_dump_json(), secrets):
        return report  # the usual case, found in one pass over pydantic's JSON (~10x cheaper than a walk)
    data = report.model_dump(mode="json")
    scrubbed = _scrub(data, secrets)
    return report if scrubbed == data else RunReport.model_validate(scrubbed)


def _mentions(text: str, secrets: list[str]) -> bool:
    """Does the report's JSON hold a secret, as is or as JSON escapes it?"""
    return any(secret in text or json.dumps(secret, ensure_ascii=False)[1:-1] in text for secret in secrets)


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, secrets): _scrub(v, secrets) for k, v in value.items()}
    return value
