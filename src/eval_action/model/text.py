"""Text that every writer can encode.

JSON may spell a lone UTF-16 surrogate (`"\\ud800"`), and Python keeps it in a str that no UTF-8
writer accepts: one such character in a model answer or a dataset row would crash the run before
any report is written. Each is replaced by U+FFFD where JSON enters (answers, dataset rows).
"""

from __future__ import annotations

import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def well_formed(text: str) -> str:
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def well_formed_json(value: Any) -> Any:
    """`value` (parsed JSON: keys, strings, lists, objects) with every string well formed."""
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [well_formed_json(v) for v in value]
    if isinstance(value, dict):
        return {well_formed_json(k): well_formed_json(v) for k, v in value.items()}
    return value
