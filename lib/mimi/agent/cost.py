"""What an LLM call cost, from its token usage and a constant price table."""

from __future__ import annotations

# USD per one million tokens: (input, output). Dated snapshots match by prefix (gpt-4o-mini-2024-07-18).
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {"gpt-4o-mini": (0.15, 0.60)}


def price(model: str) -> tuple[float, float] | None:
    """The (input, output) price per million tokens of a model, or None when it is not in the table."""
    matches = [name for name in PRICES_PER_MTOK if model == name or model.startswith(name + "-")]
    return PRICES_PER_MTOK[max(matches, key=len)] if matches else None


def cost_usd(prompt_tokens: int, completion_tokens: int, model: str = "gpt-4o-mini") -> float:
    """The cost in USD of one call; 0.0 for a model without a known price."""
    rates = price(model)
    if rates is None:
        return 0.0
    return round((prompt_tokens * rates[0] + completion_tokens * rates[1]) / 1_000_000, 10)
