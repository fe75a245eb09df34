"""`eval-action.yaml` → `Config`. An absent file means every default."""

from __future__ import annotations

import re
from pathlib import Path

from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.yamlio import load_yaml, read_text, show, validate
from eval_action.model.errors import UserError
from eval_action.model.specs import MODEL_TYPES, Config, ProviderSpec
from eval_action.model.urlpath import path_segments

CONFIG_FILE = "eval-action.yaml"
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# `${env:NAME}` (or Prompty's `${env:NAME:default}`) in a header value or a `base_url`: the one syntax
# for reading a variable into provider settings. Group 1 is the name, group 2 the default (or None).
ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


def load_config(repo_root: Path, path: Path | None = None) -> Config:
    """The config at `path` (default `repo_root/eval-action.yaml`); an explicit path must exist.

    The built-in `default` provider stays available unless the file defines its own, so prompts
    without `provider:` keep working when a config only adds providers.
    """
    file = path if path is not None else repo_root / CONFIG_FILE
    display = _display(repo_root, file)
    if path is None and not file.exists():
        _near_miss(repo_root)
        return Config()
    if not file.is_file():
        raise UserError("config file not found — check the --config path", display)
    doc = load_yaml(read_text(file, display), display)
    if doc.data is None:
        return Config()
    if not isinstance(doc.data, dict):
        raise UserError("the config must be a mapping of settings (prompts:, providers:, …)", display, 1)
    config = validate(Config, doc.data, doc)
    for name, spec in config.providers.items():
        check_provider(spec, display, doc.locate(("providers", name)))
    providers = {**Config().providers, **config.providers}
    if isinstance(config.defaults.grader, str):
        check_provider_name(config.defaults.grader, providers, display, doc.locate(("defaults", "grader")))
    cache = _cache_dir(repo_root, file.parent, config.cache.dir, display, doc.locate(("cache", "dir")))
    return config.model_copy(update={"providers": providers,
                                     "cache": config.cache.model_copy(update={"dir": cache})})


def _near_miss(repo_root: Path) -> None:
    """A config under a slightly different name would be ignored without a word, and every setting in it."""
    for name in ("eval-action.yml", ".eval-action.yaml", "eval_action.yaml", "eval-action.yaml.yml"):
        if (repo_root / name).is_file():
            raise UserError(f"found {name}, but eval-action reads {CONFIG_FILE} — rename it (or pass "
                            f"--config {name})", name)


def check_provider(spec: ProviderSpec, path: str, line: int | None) -> None:
    """Each provider type needs its own key; say which one is missing."""
    if spec.type in MODEL_TYPES and not spec.model:
        example = {"github": "openai/gpt-4o-mini",
                   "huggingface": "distilbert/distilbert-base-uncased-finetuned-sst-2-english"}.get(spec.type,
                                                                                                   "gpt-4o-mini")
        raise UserError(f"provider of type `{spec.type}` needs `model:` — e.g. model: {example}", path, line)
    if spec.type == "huggingface":  # the model is the request's path
        try:
            path_segments(spec.model or "")
        except ValueError as err:
            raise UserError(f"model `{show(spec.model or '')}` {err}", path, line) from None
    _check_http_options(spec, path, line)
    if spec.type == "python" and (not spec.function or ":" not in spec.function):
        raise UserError("a `python` provider needs `function: \"module:function\"` (or \"file.py:function\")",
                        path, line)
    if spec.type == "command" and not spec.command:
        raise UserError("a `command` provider needs `command:` as a list, e.g. [\"node\", \"agent.js\"]",
                        path, line)


def _check_http_options(spec: ProviderSpec, path: str, line: int | None) -> None:
    for name, value in spec.headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise UserError(f"header name `{show(name)}` is not a valid HTTP header name", path, line)
        if _CONTROL.search(value) or "${" in ENV_REF.sub("", value):
            raise UserError(f"header `{show(name)}`: the value may hold text and `${{env:NAME}}` references only "
                            "(no line breaks, no other `${…}`)", path, line)
    if spec.base_url and "${" in ENV_REF.sub("", spec.base_url):
        raise UserError("`base_url` may hold `${env:NAME}` (or `${env:NAME:default}`) references only", path, line)
    if spec.api_key_header is not None and not _HEADER_NAME.fullmatch(spec.api_key_header):
        raise UserError(f"api_key_header `{show(spec.api_key_header)}` is not a valid HTTP header name", path, line)
    if spec.base_url and "/openai/deployments/" in spec.base_url and not spec.api_version:
        raise UserError("Azure's deployments API needs `api_version:` (e.g. api_version: 2024-10-21) and "
                        "`api_key_header: api-key` — or use the v1 API: base_url: https://RESOURCE.openai.azure.com"
                        "/openai/v1", path, line)


def check_provider_name(name: str, providers: dict[str, ProviderSpec], path: str, line: int | None) -> None:
    if name not in providers:
        names = ", ".join(sorted(providers))
        raise UserError(f"no provider named `{show(name)}` — configured providers: {names} "
                        f"(add it under `providers:` in {CONFIG_FILE})", path, line)


def _display(repo_root: Path, file: Path) -> str:
    try:
        return repo_relative(repo_root, file)
    except ValueError:
        return str(file)


def _cache_dir(repo_root: Path, config_dir: Path, rel: str, display: str, line: int | None) -> str:
    """`cache.dir` (relative to the config) as a real path relative to the repository root: inside the
    work tree, so a PR can't make us write elsewhere, and without symlinks, so the check that it is not
    committed looks at the files we would read."""
    return repo_relative(repo_root, resolve_inside(repo_root, config_dir, rel, source=display, line=line))
