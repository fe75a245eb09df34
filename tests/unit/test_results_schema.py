"""results.json documents itself: docs/results.schema.json is generated from RunReport and kept fresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval_action.model.results import RunReport

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"
UNDOCUMENTED_OK = {"Thresholds"}  # the gate settings, documented with the config in the README


def _generated() -> str:
    schema = RunReport.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "eval-action results.json (version 1)"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_committed_schema_is_fresh() -> None:
    fresh = _generated()
    if not SCHEMA.exists() or SCHEMA.read_text(encoding="utf-8") != fresh:
        SCHEMA.write_text(fresh, encoding="utf-8")
        raise AssertionError(f"{SCHEMA.name} was stale and has been rewritten: commit it")


def test_every_results_field_has_a_description() -> None:
    schema: dict[str, Any] = RunReport.model_json_schema()
    models = {"RunReport": schema, **schema["$defs"]}
    missing = [f"{name}.{field}" for name, model in models.items() if name not in UNDOCUMENTED_OK
               for field, prop in model.get("properties", {}).items() if "description" not in prop]
    assert missing == []
