"""What a reading costs at a model's prices: input (cached or not) and output, counted with o200k_base.

OpenAI caches the longest previously seen prefix of a prompt once it is at least 1,024 tokens, in steps of 128
tokens, and bills cached input at half price for gpt-4o-mini. The response schema and the fixed system rules
come first, so every reading shares that prefix; only the reading's details and the question follow it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from mimi.agent import tokens
from mimi.agent.prompt import Language, build_messages, template
from mimi.agent.schema import READING_JSON_SCHEMA
from mimi.readings.deck import draw_oriented
from mimi_ops.eval.spreads import SPREADS

CACHE_MIN, CACHE_STEP = 1024, 128
# USD per million tokens: (input, cached input, output)
PRICES: dict[str, tuple[float, float, float]] = {"gpt-4o-mini": (0.15, 0.075, 0.60)}
QUESTIONS: dict[Language, str] = {
    "th": "ความรักของฉันกับแฟนจะเป็นอย่างไรในปีนี้",
    "en": "How will my relationship with my partner go this year?",
}


def prefix_tokens() -> int:
    """The fixed prefix every reading shares: the response schema and the fixed system rules."""
    return tokens.schema_tokens(READING_JSON_SCHEMA) + tokens.PER_MESSAGE + tokens.count(template())


def cached_tokens(prefix: int) -> int:
    """How much of a prompt OpenAI serves from its cache when the shared prefix is `prefix` tokens long."""
    return 0 if prefix < CACHE_MIN else CACHE_MIN + (prefix - CACHE_MIN) // CACHE_STEP * CACHE_STEP


def usd(
    input_tokens: int, output_tokens: int, cached: int = 0, model: str = "gpt-4o-mini"
) -> float:
    """The cost of one call, `cached` of its input tokens at the cached price."""
    rate_in, rate_cached, rate_out = PRICES[model]
    return (
        (input_tokens - cached) * rate_in + cached * rate_cached + output_tokens * rate_out
    ) / 1_000_000


@dataclass(frozen=True)
class ReadingCost:
    """The mean token counts and cost of one kind of reading."""

    spread: str
    language: str
    samples: int
    input_tokens: float
    cached_tokens: int
    output_tokens: float
    usd: float
    usd_cached: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Replier = Callable[[list[dict[str, str]]], dict[str, Any]]


def reading_cost(
    spread_id: str, language: Language, reply_to: Replier, samples: int = 50
) -> ReadingCost:
    """Mean cost of `samples` readings of a spread in a language: the real prompt of freshly drawn cards, and the
    reply `reply_to` writes to it (the tests and the bench pass the OpenAI stand-in's, which writes at the top of
    the prompt's length targets; a real model's own lengths are what `make eval` measures). Cards are drawn with
    reversals on, as a profile has them by default."""
    spread = SPREADS[spread_id]
    inputs, outputs = [], []
    for _ in range(samples):
        messages = build_messages(
            QUESTIONS[language],
            draw_oriented(len(spread.positions), reversals=True),
            language,
            spread,
        )
        reply = reply_to(messages)
        inputs.append(tokens.schema_tokens(READING_JSON_SCHEMA) + tokens.messages_tokens(messages))
        outputs.append(tokens.output_tokens(json.dumps(reply, ensure_ascii=False)))
    mean_in, mean_out = sum(inputs) / samples, sum(outputs) / samples
    cached = cached_tokens(prefix_tokens())
    return ReadingCost(
        spread_id,
        language,
        samples,
        round(mean_in, 1),
        cached,
        round(mean_out, 1),
        round(usd(round(mean_in), round(mean_out)), 7),
        round(usd(round(mean_in), round(mean_out), cached), 7),
    )
