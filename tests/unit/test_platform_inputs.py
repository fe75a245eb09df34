"""ActionInputs: parsing from INPUT_*/EVAL_ACTION_* variables, validation, merging, secrecy."""

from __future__ import annotations

import pytest

from eval_action.model.errors import UserError
from eval_action.platforms.inputs import INPUT_NAMES, ActionInputs, inputs_from_env, parse_inputs


def gh(**inputs: str) -> ActionInputs:
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    return inputs_from_env(env, "INPUT_", hyphens=True, source="action inputs")


def test_every_input_exported_empty_means_defaults() -> None:
    got = gh(**dict.fromkeys(INPUT_NAMES, ""))
    assert got == ActionInputs()
    assert got.mode == "informational" and got.comment is True and got.token is None


def test_hyphenated_names_are_read() -> None:
    got = gh(
        **{"min-pass-rate": "92.5", "github-token": "ghs_x", "comment-key": "evals/a", "base-ref": "main"}
    )
    assert got.min_pass_rate == 92.5
    assert got.comment_key == "evals/a" and got.base_ref == "main"
    assert got.token is not None and got.token.get_secret_value() == "ghs_x"


def test_invalid_mode_names_input_and_allowed_values() -> None:
    with pytest.raises(UserError) as info:
        gh(mode="sometimes")
    text = str(info.value)
    assert "`mode`" in text and "'sometimes'" in text
    assert "informational" in text and "blocking" in text


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("min-pass-rate", "120", "less than or equal to 100"),
        ("min-pass-rate", "lots", "valid number"),
        ("concurrency", "0", "greater than or equal to 1"),
        ("repeats", "two", "valid integer"),
        ("shard", "3/2", "I/N"),
        ("comment", "maybe", "true or false"),
    ],
)
def test_invalid_values_are_user_errors_naming_the_input(name: str, value: str, needle: str) -> None:
    with pytest.raises(UserError) as info:
        gh(**{name: value})
    assert f"`{name}`" in str(info.value) and needle in str(info.value)


def test_token_variable_must_be_a_name_not_a_token() -> None:
    with pytest.raises(UserError) as info:
        inputs_from_env(
            {"EVAL_ACTION_TOKEN_VARIABLE": "glpat-abc"}, "EVAL_ACTION_", hyphens=False, source="c"
        )
    assert "token-variable" in str(info.value) and "NAME" in str(info.value)


def test_token_hidden_from_repr_and_errors() -> None:
    got = gh(**{"github-token": "ghs_supersecret"})
    assert "ghs_supersecret" not in repr(got) and "ghs_supersecret" not in str(got.model_dump())


def test_prompts_split_per_line_and_booleans() -> None:
    got = gh(
        prompts="prompts/a.prompt.yaml\n  prompts/b/**\n", comment="false", **{"allow-untrusted-code": "TRUE"}
    )
    assert got.prompts == ["prompts/a.prompt.yaml", "prompts/b/**"]
    assert got.comment is False and got.allow_untrusted_code is True


def test_gitlab_style_underscored_names() -> None:
    env = {"EVAL_ACTION_MODE": "blocking", "EVAL_ACTION_OUTPUT_DIR": "out", "EVAL_ACTION_MIN_PASS_RATE": ""}
    got = inputs_from_env(env, "EVAL_ACTION_", hyphens=False, source="component inputs")
    assert got.mode == "blocking" and got.output_dir == "out" and got.min_pass_rate is None


def test_merge_only_overrides_given_fields() -> None:
    base = gh(mode="blocking", concurrency="4", **{"output-dir": "res"})
    flags = parse_inputs({"concurrency": "2"}, "flags")
    merged = base.merge(flags)
    assert merged.mode == "blocking" and merged.output_dir == "res" and merged.concurrency == 2
    assert base.merge(ActionInputs()) == base
