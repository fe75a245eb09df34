"""Which values are secrets, and text with them blanked out.

A model or the user's agent may echo a key it was given (prompt injection in a dataset makes this
an attack, not an accident): answers are redacted before they are cached, and reports before they
are written or posted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from eval_action.model.results import RunReport

# Variables whose values are credentials; a value this short could be a common word, so it is left alone.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_MIN_SECRET_CHARS = 8
_INPUT_PREFIXES = ("INPUT_", "EVAL_ACTION_")
REDACTED = "[redacted]"

# Credentials of the CI itself: user code (python/command targets and scorers) never sees them.
CI_TOKENS = ("GITHUB_TOKEN", "GH_TOKEN", "INPUT_GITHUB-TOKEN", "INPUT_TOKEN", "CI_JOB_TOKEN",
             "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
             "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V2", "GITLAB_TOKEN")


def secret_values(env: Mapping[str, str], extra: Iterable[str] = ()) -> list[str]:
    """Values of credential-like variables (API keys, CI tokens), longest first.

    The tool's own inputs are skipped (`comment-key`, `token-variable` name things, not secrets):
    the token input arrives through `extra`.
    """
    found = {v for k, v in env.items() if _SECRET_NAME.search(k) and not k.startswith(_INPUT_PREFIXES)}
    found |= set(extra)
    return sorted((v for v in found if len(v.strip()) >= _MIN_SECRET_CHARS), key=len, reverse=True)


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
    data = report.model_dump(mode="json")
    scrubbed = _scrub(data, secrets)
    return report if scrubbed == data else RunReport.model_validate(scrubbed)


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, secrets): _scrub(v, secrets) for k, v in value.items()}
    return value
