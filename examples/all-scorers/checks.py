"""A user scorer (promptfoo's contract): fn(output, context) -> bool | float | {"pass", "score", "reason"}."""

import json


def short_answer(output, context):
    size = len(json.loads(output))
    return {"pass": size <= 3, "score": 1.0 if size <= 3 else 0.0, "reason": f"{size} keys"}
