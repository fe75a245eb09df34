"""A tiny rule-based "agent" standing in for a model, so the demo runs offline.

eval-action calls `answer(messages, context)` with the rendered chat messages; a real agent
would call a model here, use tools, and return its final answer.
"""

import json
import re

CAPITALS = {"france": "Paris", "germany": "Berlin", "japan": "Tokyo", "kenya": "Nairobi",
            "peru": "Lima", "canada": "Ottawa"}
CATEGORIES = {"refund": "billing", "invoice": "billing", "charge": "billing",
              "password": "account", "login": "account", "crash": "bug", "error": "bug"}


def answer(messages, context):
    question = messages[-1]["content"]
    country = re.search(r"capital of (\w+)", question, re.I)
    if country:
        return CAPITALS.get(country.group(1).lower(), "I don't know")
    words = re.findall(r"\w+", question.lower())
    category = next((CATEGORIES[w] for w in words if w in CATEGORIES), "other")
    return {"output": json.dumps({"category": category, "urgent": "asap" in words}),
            "tokens": len(words)}
