"""The one glob rule set, and the same answer from every place that matches paths."""

from __future__ import annotations

import pytest

from eval_action.inputs.globs import compile_globs, matches


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (["prompts/*.prompt.yaml"], "prompts/a.prompt.yaml", True),
        (["prompts/*.prompt.yaml"], "prompts/qa/keep.prompt.yaml", False),  # `*` stays in its folder
        (["**/*.prompt.yaml"], "a.prompt.yaml", True),  # `**/` matches no folder too
        (["**/*.prompt.yaml"], "x/y/a.prompt.yaml", True),
        (["prompts/{qa,chat}/*.prompt.yaml"], "prompts/chat/b.prompt.yaml", True),
        (["prompts/{qa,chat}/*.prompt.yaml"], "prompts/other/b.prompt.yaml", False),
        (["src/agent/"], "src/agent/tools/x.py", True),  # a trailing slash means everything below
        (["./src/**"], "src/a/b.py", True),
        (["**/*.prompt.md", "!.github/**"], ".github/prompts/edit.prompt.md", False),
        (["**/*.prompt.md", "!.github/**"], "docs/x.prompt.md", True),
        (["!.github/**", "**/*.prompt.md"], ".github/prompts/edit.prompt.md", False),  # order-free
        (["!**/*.prompt.md"], "a.prompt.md", False),  # only exclusions: nothing matches
        (["v[!12].txt"], "v3.txt", True),
        (["a[/]b"], "a/b", False),  # a class never matches a folder separator
    ],
)
def test_glob_rules(patterns: list[str], path: str, expected: bool) -> None:
    assert compile_globs(patterns).match(path) is expected


def test_a_folder_anchors_the_patterns_of_a_config_in_a_subfolder() -> None:
    globs = compile_globs(["prompts/*.yaml", "!prompts/skip.yaml"], folder="svc")
    assert globs.match("svc/prompts/a.yaml") and not globs.match("prompts/a.yaml")
    assert not globs.match("svc/prompts/skip.yaml")


def test_prompts_option_uses_the_same_rules() -> None:
    """`--prompts` used fnmatch, where `*` crossed folders."""
    assert not matches("prompts/qa/keep.prompt.yaml", ["prompts/*.prompt.yaml"])
    assert matches("prompts/qa/keep.prompt.yaml", ["prompts/**/*.prompt.yaml"])
    assert matches("prompts/qa/keep.prompt.yaml", ["prompts/qa/keep.prompt.yaml"])
