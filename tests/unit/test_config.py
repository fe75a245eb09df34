from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.inputs.config import load_config
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, ProviderSpec


def _write(root: Path, text: str, name: str = "eval-action.yaml") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_absent_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "# nothing yet\n")
    assert load_config(tmp_path) == Config()


def test_explicit_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path, tmp_path / "other.yaml")


def test_full_config(tmp_path: Path) -> None:
    _write(tmp_path, """\
prompts: ["prompts/**/*.prompt.yaml"]
providers:
  claude: {type: anthropic, model: claude-haiku-4-5}
  agent: {type: python, function: "agent.app:run"}
  cli: {type: command, command: ["node", "agent.js"]}
triggers:
  - {when: "src/agent/**", run: "prompts/agent/**"}
defaults: {concurrency: 2, min_pass_rate: 90, grader: claude}
pricing: {gpt-4o-mini: {input_per_mtok: 0.15, output_per_mtok: 0.60}}
""")
    config = load_config(tmp_path)
    assert config.prompts == ["prompts/**/*.prompt.yaml"]
    assert sorted(config.providers) == ["agent", "claude", "cli", "default"]
    assert config.providers["default"] == ProviderSpec(type="openai", model="gpt-4o-mini")
    assert config.providers["cli"].command == ["node", "agent.js"]
    assert config.defaults.concurrency == 2 and config.defaults.min_pass_rate == 90
    assert config.triggers[0].when == "src/agent/**"
    assert config.pricing["gpt-4o-mini"].output_per_mtok == 0.60
    assert config.cache.dir == ".eval-cache"


def test_own_default_provider_replaces_builtin(tmp_path: Path) -> None:
    _write(tmp_path, "providers:\n  default: {type: anthropic, model: claude-haiku-4-5}\n")
    assert load_config(tmp_path).providers["default"].type == "anthropic"


@pytest.mark.parametrize(("text", "says", "line"), [
    ("promts: []\n", "key `promts` is not allowed here — did you mean `prompts`?", 1),
    ("providers:\n  x: {type: openia, model: m}\n", "key `providers.x.type`: input should be 'openai'", 2),
    ("providers:\n  x: {type: openai, modle: m}\n", "did you mean `model`?", 2),
    ("providers:\n  x: {type: openai}\n", "needs `model:`", 2),
    ("providers:\n  x: {type: python, function: agent}\n", "\"module:function\"", 2),
    ("providers:\n  x: {type: command}\n", "needs `command:`", 2),
    ("defaults:\n  concurrency: 0\n",
     "key `defaults.concurrency`: input should be greater than or equal to 1", 2),
    ("defaults:\n  grader: judge\n", "no provider named `judge` — configured providers: default", 2),
    ("- a\n- b\n", "must be a mapping", 1),
    ("prompts: [a\n", "invalid YAML", 1),  # libyaml: the unclosed list, not the end of file
])
def test_bad_config(tmp_path: Path, text: str, says: str, line: int) -> None:
    _write(tmp_path, text)
    with pytest.raises(UserError) as caught:
        load_config(tmp_path)
    assert says in str(caught.value)
    assert str(caught.value).startswith(f"eval-action.yaml:{line}: ")


def test_secret_is_not_echoed(tmp_path: Path) -> None:
    _write(tmp_path, "providers:\n  x: {type: openai, model: m, api_key_env: [sk-secret-value]}\n")
    with pytest.raises(UserError) as caught:
        load_config(tmp_path)
    assert "sk-secret-value" not in str(caught.value)


def test_cache_dir_is_relative_to_the_config(tmp_path: Path) -> None:
    config_file = _write(tmp_path, "cache: {dir: cache}\n", name="ci/eval-action.yaml")
    assert load_config(tmp_path, config_file).cache.dir == "ci/cache"
