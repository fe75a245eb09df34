"""What an answer cost: what the target reported, else the config's price list for the model."""

from __future__ import annotations

from eval_action.model.answer import Answer
from eval_action.model.specs import Price


def answer_cost(pricing: dict[str, Price], model: str | None, answer: Answer) -> float | None:
    if answer.cost_usd is not None:
        return answer.cost_usd
    price = pricing.get(model or "")
    if price is None or answer.tokens is None:
        return None
    read = price.input_per_mtok if price.cache_read_per_mtok is None else price.cache_read_per_mtok
    write = price.input_per_mtok if price.cache_write_per_mtok is None else price.cache_write_per_mtok
    return ((answer.input_tokens or 0) * price.input_per_mtok + answer.cache_read_tokens * read
            + answer.cache_write_tokens * write + (answer.output_tokens or 0) * price.output_per_mtok) / 1_000_000
