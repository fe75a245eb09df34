from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.yamlio import decode, load_yaml, split_front_matter, validate
from eval_action.model.errors import UserError


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: float = 0
    label: str = ""


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Inner] = []
    named: dict[str, Inner] = {}


def test_locate_points_at_keys_and_items() -> None:
    text = "items:\n  - threshold: 1\n  - label: x\n    threshold: 2\nnamed:\n  a: {label: y}\n"
    doc = load_yaml(text, "f.yaml")
    assert doc.locate(("items", 1, "threshold")) == 4
    assert doc.locate(("named", "a", "label")) == 6
    assert doc.locate(("named", "Inner", "missing")) == 5  # unknown parts fall back to the nearest key
    assert doc.locate(()) is None


def test_front_matter_offsets_lines() -> None:
    fm = split_front_matter("---\na: 1\nb: [\n---\nbody\n", "f.md")
    assert (fm.yaml, fm.body, fm.body_offset) == ("a: 1\nb: [", "body\n", 4)
    with pytest.raises(UserError, match=r"^f\.md:3: invalid YAML"):
        load_yaml(fm.yaml, "f.md", fm.yaml_offset)
    assert split_front_matter("no front matter", "f.md").body == "no front matter"


def test_unknown_key_suggests_and_lists() -> None:
    doc = load_yaml("items:\n  - treshold: 1\n", "f.yaml")
    with pytest.raises(UserError) as caught:
        validate(Outer, doc.data, doc)
    assert str(caught.value) == "f.yaml:2: key `treshold` is not allowed here — did you mean `threshold`?"
    doc = load_yaml("named:\n  a: {zzz: 1}\n", "f.yaml")
    with pytest.raises(UserError, match=r"^f\.yaml:2: key `zzz` is not allowed here — allowed keys: label, "):
        validate(Outer, doc.data, doc)


def test_wrong_type_names_the_key_and_value() -> None:
    doc = load_yaml("items:\n  - {threshold: high}\n", "f.yaml")
    with pytest.raises(UserError) as caught:
        validate(Outer, doc.data, doc)
    assert str(caught.value).startswith("f.yaml:2: key `items.0.threshold`: input should be a valid number")
    assert "got 'high'" in str(caught.value)


def test_merge_keys_are_not_duplicates() -> None:
    doc = load_yaml("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["derived"] == {"x": 1, "y": 3}


def test_moderate_anchor_reuse_is_fine() -> None:
    doc = load_yaml("s: &s [{type: contains, value: a}]\nt: *s\nu: *s\n", "f.yaml")
    assert doc.data["t"] == doc.data["s"]


def test_unsupported_tags_are_refused() -> None:
    with pytest.raises(UserError, match=r"tag:yaml\.org,2002:binary is not supported"):
        load_yaml("a: !!binary aGk=\n", "f.yaml")


def test_decode() -> None:
    assert decode(b"\xef\xbb\xbfa\r\nb\rc", "f") == "a\nb\nc"
    with pytest.raises(UserError, match=r"^f: file is UTF-16"):
        decode("hi".encode("utf-16"), "f")
    with pytest.raises(UserError, match=r"^f:2: not valid UTF-8"):
        decode(b"ok\n\xff", "f")


def test_resolve_inside(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("")
    (tmp_path / "a" / "inner").symlink_to(tmp_path / "a" / "f.txt")
    base = tmp_path / "a"
    assert resolve_inside(tmp_path, base, "inner", source="p", line=1) == (tmp_path / "a" / "f.txt").resolve()
    assert resolve_inside(tmp_path, base, "../a/f.txt", source="p", line=1).name == "f.txt"
    for bad, says in [("", "empty path"), ("/etc/passwd", "absolute path"), ("C:\\x", "absolute path"),
                      ("../../x", "leaves the repository")]:
        with pytest.raises(UserError, match=f"^p:3: .*{says}"):
            resolve_inside(tmp_path, base, bad, source="p", line=3)


def test_repo_relative(tmp_path: Path) -> None:
    assert repo_relative(tmp_path, tmp_path / "a" / ".." / "b" / "c.txt") == "b/c.txt"


@pytest.mark.parametrize(("text", "value"), [
    ("Yes", "Yes"), ("no", "no"), ("on", "on"), ("Off", "Off"), ("y", "y"), ("12:30", "12:30"),
    ("010", 10), ("0o10", 8), ("0x1F", 31), ("1_000", "1_000"), ("2024-01-02", "2024-01-02"),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None), ("1e3", 1000.0),
    (".inf", float("inf")), ("-.Inf", float("-inf")), ("NaN", "NaN"), ("+12", 12), (".5", 0.5),
])
def test_yaml_is_read_as_yaml_1_2_core_schema(text: str, value: object) -> None:
    assert load_yaml(f"v: {text}\n", "f.yaml").data == {"v": value}


def test_yaml_1_2_keeps_merge_keys() -> None:
    assert load_yaml("a: &b {x: 1}\nc: {<<: *b, y: 2}\n", "f.yaml").data["c"] == {"x": 1, "y": 2}
