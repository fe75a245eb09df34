"""Escaping: whatever the text, it renders (through GitHub's engine) as inert text."""

from __future__ import annotations

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from eval_action.render.escape import code_span, fenced, html_text, inline

PIECES = [*"<>/&!@#[]()|`*_~\\:.\n -w", "details", "img", "http", "www", "x", "1", "--"]
NASTY = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def render(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


def assert_inert(html: str) -> None:
    for tag in ("<img", "<a ", "<details", "</details", "<script", "<!--"):
        assert tag not in html


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_inline_text_is_inert(text: str) -> None:
    assert_inert(render(f"before {inline(text)} after"))
    html = render(f"<details>\n<summary>{html_text(text)}</summary>\n\n</details>")
    for tag in ("<details>", "</details>", "<summary>", "</summary>"):
        assert html.count(tag) == 1
        html = html.replace(tag, "")
    assert_inert(html)


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_code_is_inert_and_stays_in_one_cell(text: str) -> None:
    html = render(f"| a | b |\n|--|--|\n| {code_span(text, in_table=True)} | z |\n")
    assert_inert(html)
    assert html.count("<td>") == 2
    assert_inert(render(f"x\n\n{fenced(text)}\n\nafter"))
    assert render(f"{fenced(text)}\n\nafter").rstrip().endswith("<p>after</p>")


def test_examples() -> None:
    assert inline("@octocat #12 a|b") == "@&#8203;octocat #&#8203;12 a\\|b"
    assert inline("see http://x.y and www.z.com") == "see http\\://x.y and www\\.z.com"
    assert inline("<!-- x -->\nnext") == "&lt;\\!-- x --&gt; next"
    assert code_span("a ``b`` c") == "```a ``b`` c```"
    assert code_span("`edge`") == "`` `edge` ``"
    assert fenced("```\ncode\n```") == "````text\n```\ncode\n```\n````"
    assert inline("bell\x07 \u202eevil") == "bell evil"


def test_www_after_an_underscore_does_not_autolink() -> None:
    """GFM autolinks `www.` after `_`, `*`, `~` or `(` too, where `\\b` sees no word boundary."""
    for text in ("_www.", "*www.example.com", "(www.x.org", "~www.y"):
        html = cmarkgfm.github_flavored_markdown_to_html("before " + inline(text) + " after")
        assert "<a " not in html, text
