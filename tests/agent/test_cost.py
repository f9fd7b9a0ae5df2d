"""The reading prompt's cost, measured with the real o200k_base tokenizer: fixed part first, within budget."""

from __future__ import annotations

import pytest

from mimi.agent.prompt import Depth, Language, build_messages, spread, template
from mimi.readings.deck import draw
from mimi_local.eval import tokens
from mimi_local.eval.cost import CACHE_MIN, cached_tokens, prefix_tokens, reading_cost

BUDGET_USD = 0.0005  # a standard Thai three-card reading at gpt-4o-mini prices
KINDS: list[tuple[Depth, Language]] = [("standard", "th"), ("standard", "en"), ("deep", "th"), ("deep", "en")]


def test_the_tokenizer_is_the_real_o200k_base() -> None:
    assert tokens._encoding().encode("hello world") == [24912, 2375]  # o200k_base ids (cl100k: 15339, 1917)


@pytest.mark.parametrize(("depth", "language"), KINDS)
def test_every_reading_starts_with_the_same_fixed_system_text(depth: Depth, language: Language) -> None:
    fixed = tokens._encoding().encode(template())
    system = build_messages("คำถามทดสอบของฉันคืออะไร", draw(len(spread(depth))), language, depth)[0]["content"]
    assert tokens._encoding().encode(system)[: len(fixed)] == fixed
    assert "{{" not in template() and "LANGUAGE" not in template().split("# THIS READING")[0].split("\n")[-1]


def test_the_shared_prefix_is_long_enough_for_openai_prompt_caching_without_padding() -> None:
    prefix = prefix_tokens()
    assert CACHE_MIN <= prefix < CACHE_MIN + 256  # cached, and not padded far past the threshold
    assert cached_tokens(prefix) == CACHE_MIN and cached_tokens(CACHE_MIN - 1) == 0


def test_a_standard_thai_reading_costs_at_most_half_a_tenth_of_a_cent() -> None:
    cost = reading_cost("standard", "th", samples=20)
    assert cost.usd_cached <= BUDGET_USD, cost
    assert cost.usd < 0.00076  # below the old prompt's estimate even when the cache misses


def test_the_processor_never_loads_the_tokenizer() -> None:
    from tests.lib.test_imports import loaded

    modules = set(loaded("reading_processor")["modules"])  # type: ignore[call-overload]
    assert "bpe_openai" not in modules and "mimi_local" not in modules
