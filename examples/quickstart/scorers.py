"""A user scorer: promptfoo's contract, fn(output, context) -> bool | float | dict."""

import json


def category_matches(output, context):
    got = json.loads(output).get("category")
    want = context["expected"]
    return {"pass": got == want, "score": float(got == want),
            "reason": f"category {got!r}, expected {want!r}"}
