"""Markup checks with promptfoo's names: `is-xml`, `contains-xml`, `is-html`, `contains-html`.

XML is parsed with the standard library's expat, which refuses DTDs here (promptfoo refuses
internal subsets too), so no entity can expand. `value` names required elements as dotted
paths from the root (`analysis.summary`), as a comma-separated string or a list.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import is_templated, output_starts, verdict
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

_MAX_INPUT = 10 * 1024 * 1024


# ---------------------------------------------------------------- XML
@dataclass
class _Element:
    tag: str
    children: list[_Element] = field(default_factory=list)


def _parse_xml(text: str) -> _Element:
    """The element tree; ValueError with expat's message when the text is not well-formed XML."""
    parser = xml.parsers.expat.ParserCreate()
    stack: list[_Element] = [_Element("")]

    def start(tag: str, _attrs: dict[str, str]) -> None:
        element = _Element(tag)
        stack[-1].children.append(element)
        stack.append(element)

    def doctype(*_args: Any) -> None:
        raise ValueError("DTDs are not supported by is-xml validation")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as e:
        raise ValueError(xml.parsers.expat.ErrorString(e.code)) from None
    return stack[0].children[0]


def _has_path(root: _Element, path: list[str]) -> bool:
    if root.tag != path[0]:
        return False
    level = [root]
    for name in path[1:]:
        level = [c for e in level for c in e.children if c.tag == name]
        if not level:
            return False
    return True


def _missing(roots: list[_Element], required: list[str]) -> list[str]:
    return [r for r in required if not any(_has_path(root, r.split(".")) for root in roots)]


def _required(value: Any) -> list[str]:
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict) and isinstance(value.get("requiredElements"), list):
        return [str(v) for v in value["requiredElements"]]
    raise ScorerError("xml assertions take no value, a comma-separated string, a list of element paths, "
                      "or {requiredElements: [...]}")


def _check_xml(text: str, required: list[str]) -> str | None:
    """None when `text` is XML holding every required element, else why not."""
    try:
        root = _parse_xml(text)
    except ValueError as e:
        return f"XML parsing failed: {e}"
    missing = _missing([root], required)
    return f"XML is missing required elements: {', '.join(missing)}" if missing else None


_TAG_RE = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)(?:\s[^<>]*?)?(/?)>")


def _xml_spans(text: str) -> list[tuple[int, int]]:
    """Balanced element spans in reading order, outermost first."""
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []
    for m in _TAG_RE.finditer(text):
        closing, name, selfclosing = m.group(1), m.group(2), m.group(3)
        if selfclosing:
            spans.append((m.start(), m.end()))
        elif not closing:
            stack.append((name, m.start()))
        elif stack and stack[-1][0] == name:
            spans.append((stack.pop()[1], m.end()))
        else:
            stack.clear()
    return sorted(spans, key=lambda s: (s[0], -s[1]))


def _contains_xml(text: str, required: list[str]) -> str | None:
    spans = _xml_spans(text)
    if not spans:
        return "No XML content found in the output"
    for start, end in spans:
        if _check_xml(text[start:end], required) is None:
            return None
    return "No valid XML content found matching the requirements"


async def is_xml(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    problem = _check_xml(ctx.output.strip(), _required(spec.value))
    return verdict(problem is None, "output is XML with the required elements",
                   f"{problem}; {output_starts(ctx.output)}")


async def contains_xml(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    problem = _contains_xml(ctx.output, _required(spec.value))
    return verdict(problem is None, "output contains XML with the required elements",
                   f"{problem}; {output_starts(ctx.output)}")


# ---------------------------------------------------------------- HTML
_HTML_PATTERNS = [
    (re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?/>"), 1),  # self-closing tag
    (re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);"), 1),  # entity
    (re.compile(r"<!DOCTYPE\s+html", re.I), 2),
    (re.compile(r"<!--[^-]*(?:-[^-]+)*-->"), 1),  # comment
    (re.compile(r"\s[a-zA-Z-]+=\s*[\"'][^\"']*[\"']"), 1),  # attribute
    (re.compile(r"<(html|head|body|div|span|p|a|img|h[1-6]|ul|ol|li|table|tr|td|th|form|input|button"
                r"|script|style|link|meta|br|hr)\b", re.I), 2),
]
_OPENING_RE = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>")
_CLOSING_RE = re.compile(r"</[a-zA-Z][a-zA-Z0-9-]*\s*>")


def contains_html_text(text: str) -> bool:
    """promptfoo's heuristic: at least two indicators of HTML (tags, entities, doctype, ...)."""
    if len(text) > _MAX_INPUT:
        return False
    opening, closing = bool(_OPENING_RE.search(text)), bool(_CLOSING_RE.search(text))
    score = 2 if opening and closing else int(opening or closing)
    score += sum(weight for rx, weight in _HTML_PATTERNS if rx.search(text))
    return score >= 2


HTML_ELEMENTS = frozenset(
    [
        "html", "head", "title", "base", "link", "meta", "style", "body", "article", "section", "nav", "aside",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "address", "p", "hr", "pre", "blockquote", "ol",
        "ul", "li", "dl", "dt", "dd", "figure", "figcaption", "main", "div", "a", "em", "strong", "small", "s",
        "cite", "q", "dfn", "abbr", "ruby", "rt", "rp", "data", "time", "code", "var", "samp", "kbd", "sub",
        "sup", "i", "b", "u", "mark", "bdi", "bdo", "span", "br", "wbr", "img", "iframe", "embed", "object",
        "param", "picture", "source", "video", "audio", "track", "map", "area", "svg", "math", "script",
        "noscript", "canvas", "ins", "del", "table", "caption", "colgroup", "col", "tbody", "thead", "tfoot",
        "tr", "td", "th", "form", "label", "input", "button", "select", "datalist", "optgroup", "option",
        "textarea", "output", "progress", "meter", "fieldset", "legend", "details", "summary", "dialog", "menu",
        "slot", "template",
    ])
_VOID = frozenset([
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
])
_WRAPPERS = frozenset({"html", "head", "body"})


class _HtmlScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.known = False
        self.loose_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.known = self.known or tag in HTML_ELEMENTS or "-" in tag
        if tag not in _VOID and tag not in _WRAPPERS:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.known = self.known or tag in HTML_ELEMENTS or "-" in tag

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and tag not in _WRAPPERS:
            self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        self.loose_text = self.loose_text or (self.depth == 0 and bool(data.strip()))


def html_problem(text: str) -> str | None:
    trimmed = text.strip()
    if not trimmed:
        return "Output is empty"
    if len(trimmed) > _MAX_INPUT:
        return "Output exceeds maximum size limit"
    if re.match(r"<\?xml", trimmed, re.I):
        return "Output appears to be XML, not HTML"
    scan = _HtmlScan()
    scan.feed(trimmed)
    scan.close()
    if scan.loose_text and not re.search(r"<body(?=[\s>/])", trimmed.lower()):
        return "Output must be wrapped in HTML tags"
    return None if scan.known else "Output does not contain recognized HTML elements"


async def is_html(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    problem = html_problem(ctx.output)
    return verdict(problem is None, "output is HTML", f"{problem}; {output_starts(ctx.output)}")


async def contains_html(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    return verdict(contains_html_text(ctx.output), "output contains HTML",
                   f"expected HTML content; {output_starts(ctx.output)}")


def _validate_xml(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if is_templated(spec.value):
        return []
    try:
        _required(spec.value)
    except ScorerError as e:
        return [str(e)]
    return []


SCORERS: dict[str, ScorerDef] = {
    "is-xml": ScorerDef(is_xml, _validate_xml),
    "contains-xml": ScorerDef(contains_xml, _validate_xml),
    "is-html": ScorerDef(is_html),
    "contains-html": ScorerDef(contains_html),
}
