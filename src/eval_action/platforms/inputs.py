"""The tool's own inputs (SPEC §6), validated once, whatever the CI calls them.

GitHub exports every input as `INPUT_<NAME>` (hyphens kept); GitLab's component and local
runs pass them as `EVAL_ACTION_<NAME>` variables (hyphens as underscores). An empty value
means "not given": the GitHub runner exports inputs the workflow never set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from eval_action.model.errors import UserError

AUTO_SHARD = "auto"
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ActionInputs(BaseModel):
    """Inputs as given; a field left unset keeps its default and does not win a `merge`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["informational", "blocking"] = "informational"
    config: str | None = None
    prompts: list[str] = Field(default_factory=list)  # globs; empty = change detection decides
    base_ref: str | None = None
    min_pass_rate: float | None = Field(default=None, ge=0, le=100)
    baseline: str | None = None  # base | none | path to a results.json
    token: SecretStr | None = None  # github-token, or the variable token-variable names
    token_variable: str = "GITLAB_TOKEN"
    comment: bool = True
    comment_key: str | None = None
    concurrency: int | None = Field(default=None, ge=1)
    repeats: int | None = Field(default=None, ge=1)
    working_directory: str | None = None
    setup: str | None = None  # a shell command run before the evals (installs the agents' dependencies)
    output_dir: str | None = None
    shard: str | None = None  # "I/N", or "auto": GitLab's `parallel:` job index (CI_NODE_INDEX/CI_NODE_TOTAL)
    allow_untrusted_code: bool = False
    gate: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")  # a profile of the config's `gates:`

    @field_validator("shard")
    @classmethod
    def _shard_form(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.strip().lower() == AUTO_SHARD:
            return AUTO_SHARD
        m = re.fullmatch(r"(\d+)/(\d+)", value.strip())
        if not m or not 1 <= int(m[1]) <= int(m[2]):
            raise ValueError("must be I/N with 1 <= I <= N, e.g. 2/4 (or `auto` in a GitLab `parallel:` job)")
        return value.strip()

    @field_validator("token_variable")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be the NAME of a CI/CD variable, e.g. GITLAB_TOKEN, not its value")
        return value

    def merge(self, override: ActionInputs) -> ActionInputs:
        """These inputs with every field `override` was explicitly given replaced."""
        given = {name: getattr(override, name) for name in override.model_fields_set}
        return self.model_copy(update=given)


# input name as the user writes it -> field
INPUT_NAMES: dict[str, str] = {
    "mode": "mode",
    "config": "config",
    "prompts": "prompts",
    "base-ref": "base_ref",
    "min-pass-rate": "min_pass_rate",
    "baseline": "baseline",
    "github-token": "token",
    "token": "token",
    "token-variable": "token_variable",
    "comment": "comment",
    "comment-key": "comment_key",
    "concurrency": "concurrency",
    "repeats": "repeats",
    "working-directory": "working_directory",
    "setup": "setup",
    "output-dir": "output_dir",
    "shard": "shard",
    "allow-untrusted-code": "allow_untrusted_code",
    "gate": "gate",
}
_BOOLS = {"comment", "allow_untrusted_code"}


def parse_inputs(raw: Mapping[str, str], source: str) -> ActionInputs:
    """Validate `{input-name: text}`; empty texts are ignored. `source` names where they came from."""
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, text in raw.items():
        field = INPUT_NAMES[name]
        if text.strip() == "" or field in values:
            continue
        values[field] = _convert(field, name, text.strip(), source)
        names[field] = name
    try:
        return ActionInputs(**values)
    except ValidationError as exc:
        raise _input_error(exc, names, source) from None


def _convert(field: str, name: str, text: str, source: str) -> Any:
    if field == "prompts":
        return text.split()  # one glob per line (or space): YAML block scalars read naturally
    if field in _BOOLS:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise UserError(f"input `{name}` is {text!r}: use true or false", source)
    if field == "token":
        return SecretStr(text)
    return text


def _input_error(exc: ValidationError, names: Mapping[str, str], source: str) -> UserError:
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    name = names.get(field, field)
    if err["type"] == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return UserError(f"input `{name}` is {err['input']!r}: allowed values are {allowed}", source)
    shown = "***" if field == "token" else repr(err["input"])
    reason = str(err["msg"]).removeprefix("Value error, ")
    return UserError(f"input `{name}` is {shown}: {reason}", source)


def inputs_from_env(env: Mapping[str, str], prefix: str, hyphens: bool, source: str) -> ActionInputs:
    """Read every known input from `<prefix><NAME>` variables (hyphens kept, or as underscores)."""
    raw: dict[str, str] = {}
    for name in INPUT_NAMES:
        key = prefix + (name if hyphens else name.replace("-", "_")).upper()
        if key in env:
            raw[name] = env[key]
    return parse_inputs(raw, source)
