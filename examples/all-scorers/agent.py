"""A stand-in agent with a structured answer, so every scorer has something to check."""

import json


def answer(messages, context):
    city = {"France": "Paris", "Japan": "Tokyo"}[context["vars"]["country"]]
    text = json.dumps({"city": city, "country": context["vars"]["country"], "population_m": 2.1})
    return {"output": text, "tokens": 24, "cost_usd": 0.00002}
