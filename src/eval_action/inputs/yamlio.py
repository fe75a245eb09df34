"""Reading the files PR authors write: text checks, safe YAML with line numbers, one-line errors.

Every failure here is a `UserError` naming the file and, when known, the line, so `validate`
can point at the exact spot instead of showing a traceback.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from eval_action.model.errors import UserError
from eval_action.model.text import well_formed_json
from eval_action.render.log import escape_log

MAX_FILE_BYTES = 50 * 1024 * 1024
# Aliases share one object, but whoever walks the data later pays the expanded size.
_ALIAS_BUDGET = 100_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SECRETISH = re.compile(r"key|token|secret|password", re.I)
_REFUSED_TAGS = ("binary", "set", "omap", "pairs", "timestamp")

Loc = tuple[str, ...]


def show(value: object, limit: int = 60) -> str:
    """Untrusted text made safe for a one-line message: control characters escaped, length capped."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return escape_log(text)


def read_text(path: Path, display: str) -> str:
    """UTF-8 text with BOM dropped and CRLF/CR normalised; binary, non-UTF-8 and huge files refused."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UserError("file not found — check the path", display) from None
    except OSError as e:
        raise UserError(f"cannot read the file ({e.strerror}) — check its permissions", display) from None
    if path.is_dir():
        raise UserError("is a folder, not a file — name a file", display)
    if size > MAX_FILE_BYTES:
        raise UserError(f"file is {size / 1e6:.0f} MB, over the 50 MB limit — split or trim it", display)
    return decode(path.read_bytes(), display)


def decode(data: bytes, display: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError("file is UTF-16 — re-save it as UTF-8", display)
    if b"\x00" in data:
        raise UserError("binary file (it contains NUL bytes) — prompt and data files must be UTF-8 text",
                        display)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UserError(f"not valid UTF-8 (byte 0x{data[e.start]:02x}) — re-save the file as UTF-8",
                        display, line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_json(text: str, display: str, line_offset: int = 0) -> Any:
    """A user's JSON file (or a piece of one starting after `line_offset` lines), strings well formed."""
    try:
        return well_formed_json(json.loads(text))
    except json.JSONDecodeError as e:
        raise UserError(f"invalid JSON: {e.msg} (column {e.colno}) — fix the syntax",
                        display, e.lineno + line_offset) from None
    except RecursionError:
        raise UserError("invalid JSON: nested too deeply — flatten it", display, line_offset or None) from None
    except ValueError as e:  # e.g. an integer over Python's digit limit
        raise UserError(f"invalid JSON: {show(e, 80)}", display, line_offset or None) from None


@dataclass(frozen=True)
class FrontMatter:
    yaml: str
    yaml_offset: int  # lines of the file before the YAML text
    body: str
    body_offset: int


def split_front_matter(text: str, display: str) -> FrontMatter:
    """`---\\nYAML\\n---\\nbody`; a file without front matter is all body."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return FrontMatter("", 0, text, 0)
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "---":
            return FrontMatter("\n".join(lines[1:i]), 1, "\n".join(lines[i + 1 :]), i + 1)
    raise UserError("front matter opens with `---` but never closes — add a `---` line after it", display, 1)


# libyaml's parser and composer are about ten times faster than PyYAML's pure-Python ones, which
# matters for a repository of thousands of prompt files; construction stays in Python.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_FastSafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys, self-referencing anchors and alias bombs."""

    def __init__(self, text: str, display: str, offset: int) -> None:
        super().__init__(text)
        self.display = display
        self.offset = offset

    def refuse(self, message: str, mark: yaml.Mark | None) -> UserError:
        return UserError(message, self.display, mark.line + 1 + self.offset if mark else None)

    def check_aliases(self, root: yaml.Node) -> None:
        """Refuse recursion and documents whose aliases expand to far more than they hold."""
        sizes: dict[int, int] = {}
        open_nodes: set[int] = set()

        def size(node: yaml.Node) -> int:
            key = id(node)
            if key in sizes:
                return sizes[key]
            if key in open_nodes:
                raise self.refuse("an alias refers to its own anchor — YAML data must not be recursive",
                                  node.start_mark)
            open_nodes.add(key)
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            sizes[key] = 1 + sum(size(c) for c in children)
            open_nodes.discard(key)
            return sizes[key]

        if size(root) - len(sizes) > _ALIAS_BUDGET:
            raise self.refuse(f"aliases expand to over {_ALIAS_BUDGET} values — write the data out "
                              "instead of nesting anchors", root.start_mark)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise self.refuse(f"duplicate key `{show(key)}` — each key may appear once in a mapping",
                                  key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(None, None, f"the tag {node.tag} is not supported here",
                                            node.start_mark)


# YAML 1.2's core schema, as promptfoo and most tools today read YAML: `yes`/`no`/`on` and `12:30`
# stay strings and `010` is ten, where PyYAML's YAML 1.1 rules would make booleans, 750 and 8.
# Dates stay strings too: dataset values and vars are text to a prompt, and must survive JSON.
_CORE_SCHEMA: list[tuple[str, str, str]] = [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
]
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:merge"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _name, _pattern, _firsts in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_name}", re.compile(_pattern), list(_firsts))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)  # a leading zero is decimal in YAML 1.2


def _core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower().lstrip("+")
    return float(text.replace(".inf", "inf").replace(".nan", "nan"))


_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _core_float)
for _tag in _REFUSED_TAGS:
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


@dataclass(frozen=True)
class YamlDoc:
    """Loaded data plus the file line of every key and list item, for pointing at errors."""

    data: Any
    path: str
    lines: dict[Loc, int]

    def locate(self, loc: Sequence[str | int]) -> int | None:
        """Line of the deepest part of `loc` present in the file (pydantic's union tags are skipped)."""
        line: int | None = None
        prefix: Loc = ()
        for seg in loc:
            cand = (*prefix, str(seg))
            if cand in self.lines:
                prefix, line = cand, self.lines[cand]
        return line

    def error(self, message: str, loc: Sequence[str | int] = ()) -> UserError:
        return UserError(message, self.path, self.locate(loc))


def load_yaml(text: str, display: str, offset: int = 0) -> YamlDoc:
    """Parse one YAML document; `offset` is the number of file lines before `text` (front matter)."""
    try:
        loader = _Loader(text, display, offset)
    except yaml.reader.ReaderError as e:  # the reader checks the whole text up front
        raise _unreadable(e, text, display, offset) from None
    try:
        node = loader.get_single_node()
        if node is not None and "&" in text:  # no anchor, no alias: nothing to expand
            loader.check_aliases(node)
        data = loader.construct_document(node) if node is not None else None
        lines: dict[Loc, int] = {}
        if node is not None:
            _index_lines(node, (), lines, offset, set())
        return YamlDoc(data, display, lines)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = show(e.problem or e.context or "syntax error", 120)
        hint = "check indentation, quoting and colons"
        last_line = text.rstrip("\n").count("\n")  # libyaml marks an unexpected end past the text
        line = min(mark.line, last_line) + 1 + offset if mark else None
        raise UserError(f"invalid YAML: {problem} — {hint}", display, line) from None
    except yaml.reader.ReaderError as e:
        raise _unreadable(e, text, display, offset) from None
    except yaml.YAMLError as e:
        raise UserError(f"invalid YAML: {show(e, 120)}", display) from None
    except RecursionError:
        raise UserError("YAML is nested too deeply — flatten it", display) from None
    finally:
        loader.dispose()


def _unreadable(e: yaml.reader.ReaderError, text: str, display: str, offset: int) -> UserError:
    line = text[: e.position].count("\n") + 1 + offset
    return UserError(f"invalid YAML: unreadable character 0x{e.character:x} — remove it", display, line)


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], offset: int, seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its lines were indexed where the anchor stands
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*loc, str(key.value))
                lines.setdefault(here, key.start_mark.line + 1 + offset)
                _index_lines(value, here, lines, offset, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            here = (*loc, str(i))
            lines[here] = item.start_mark.line + 1 + offset
            _index_lines(item, here, lines, offset, seen)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, doc: YamlDoc, at: Loc = ()) -> M:
    """`model.model_validate(data)`, with a failure turned into one line at the offending key."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _explain(e, model, doc, at) from None


def _explain(exc: ValidationError, model: type[BaseModel], doc: YamlDoc, at: Loc) -> UserError:
    # Of a union's alternatives, the deepest complaint is the one about what the user meant.
    err = max(exc.errors(), key=lambda e: len(e["loc"]))
    loc = (*at, *(str(s) for s in err["loc"]))
    keys = _yaml_keys(doc, loc, keep_last=err["type"] == "missing")
    where = ".".join(keys) or "(top level)"
    line = doc.locate(loc)
    if err["type"] == "extra_forbidden":
        return UserError(_unknown_key(keys[-1], _model_at(model, err["loc"][:-1])), doc.path, line)
    if err["type"] == "missing":
        return UserError(f"key `{show(where)}` is required — add it", doc.path, line)
    msg = err["msg"][:1].lower() + err["msg"][1:]
    # Never echo what might be a credential someone pasted into the wrong key.
    got = "" if _SECRETISH.search(where) else f", got {show(repr(err['input']), 40)}"
    return UserError(f"key `{show(where)}`: {show(msg, 160)}{got} — fix the value", doc.path, line)


def _yaml_keys(doc: YamlDoc, loc: Loc, keep_last: bool) -> list[str]:
    """The parts of a pydantic location that are keys in the file (dropping union member tags)."""
    keys: list[str] = []
    for i, seg in enumerate(loc):
        if (*keys, seg) in doc.lines or (keep_last and i == len(loc) - 1):
            keys.append(seg)
    return keys


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    message = f"key `{show(key)}` is not allowed here"
    if model is None:
        return message + " — remove it"
    allowed = sorted(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message} — did you mean `{close[0]}`?"
    return f"{message} — allowed keys: {', '.join(allowed)}"


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class a pydantic error location points into, to list the keys it accepts."""
    types: list[Any] = [root]
    for seg in loc:
        following: list[Any] = []
        for tp in _members(types):
            if _is_model(tp):
                if isinstance(seg, str) and seg in tp.model_fields:
                    following.append(tp.model_fields[seg].annotation)
                elif seg == tp.__name__:
                    following.append(tp)
            elif get_origin(tp) in (list, dict):
                following.append(get_args(tp)[-1])
        types = following
    models = [tp for tp in _members(types) if _is_model(tp)]
    return models[0] if models else None


def _members(types: list[Any]) -> list[Any]:
    out: list[Any] = []
    for tp in types:
        if get_origin(tp) in (Union, UnionType):
            out.extend(_members(list(get_args(tp))))
        else:
            out.append(tp)
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
