"""Prompty's property lists — `inputs`, `outputs`, a tool's `parameters` — as values and JSON Schema.

A list is v2's `[{name, kind, …}]`, or a mapping of name → property (v1 and v2), where a value
that is not a mapping stands for its own default. v1 writes `type`/`enum`, v2 `kind`/`enumValues`.
"""

from __future__ import annotations

from typing import Any

from eval_action.inputs.yamlio import Loc, YamlDoc, show

Named = list[tuple[str, dict[str, Any], Loc]]
_JSON_TYPES = {"string": "string", "integer": "integer", "float": "number", "number": "number",
               "boolean": "boolean", "array": "array", "object": "object"}
# conversation history and media: Prompty expands them into messages, which a dataset row's
# `messages:` does here; they have no value to put in a case's vars
RICH_KINDS = frozenset({"thread", "image", "file", "audio"})


def named(props: Any, doc: YamlDoc, loc: Loc) -> Named:
    if props is None:
        return []
    if isinstance(props, dict):
        return [(str(k), v if isinstance(v, dict) else {"default": v}, (*loc, str(k))) for k, v in props.items()]
    if isinstance(props, list):
        out: Named = []
        for i, prop in enumerate(props):
            if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
                raise doc.error("each property needs a `name:` (e.g. - {name: question, kind: string})",
                                (*loc, str(i)))
            out.append((prop["name"], prop, (*loc, str(i))))
        return out
    raise doc.error("expected a list of properties ({name, kind, default}) or a mapping of names", loc)


def kind(prop: dict[str, Any]) -> str:
    return str(prop.get("kind", prop.get("type", "string")))


def defaults(props: Named) -> dict[str, Any]:
    """The values a prompt falls back on when a case does not give one."""
    return {name: p["default"] for name, p, _ in props if p.get("default") is not None}


def sample(props: Named) -> dict[str, Any]:
    """One case from the properties' own values: the example, else the sample, else the default."""
    out: dict[str, Any] = {}
    for name, p, _ in props:
        for key in ("example", "sample", "default"):
            if p.get(key) is not None and kind(p) not in RICH_KINDS:
                out[name] = p[key]
                break
    return out


def json_schema(props: Named, doc: YamlDoc, *, strict: bool = False) -> dict[str, Any]:
    """An object schema; `strict` is OpenAI's strict mode (every key required, optional ones nullable,
    no other keys)."""
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    required: list[str] = []
    for name, p, loc in props:
        schema["properties"][name] = _property(p, doc, loc, strict=strict, optional=strict and not p.get("required"))
        if strict or p.get("required"):
            required.append(name)
    if required:
        schema["required"] = required
    if strict:
        schema["additionalProperties"] = False
    return schema


def _property(p: dict[str, Any], doc: YamlDoc, loc: Loc, *, strict: bool, optional: bool) -> dict[str, Any]:
    given = kind(p)
    json_type = _JSON_TYPES.get(given)
    if json_type is None:
        raise doc.error(f"property kind `{show(given)}` has no JSON Schema type — use one of "
                        f"{', '.join(_JSON_TYPES)}", loc)
    out: dict[str, Any] = {"type": [json_type, "null"] if optional else json_type}
    if p.get("description"):
        out["description"] = str(p["description"])
    enum = p.get("enumValues", p.get("enum"))
    if enum:
        out["enum"] = enum
    if json_type == "array" and isinstance(p.get("items"), dict):
        out["items"] = _property(p["items"], doc, (*loc, "items"), strict=strict, optional=False)
    if json_type == "object" and p.get("properties") is not None:
        inner = json_schema(named(p["properties"], doc, (*loc, "properties")), doc, strict=strict)
        out.update({k: v for k, v in inner.items() if k != "type"})
    return out
