"""The reading prompt's cost, measured with the real o200k_base tokenizer: fixed part first, within budget."""

from __future__ import annotations

import pytest

from mimi.agent import tokens
from mimi.agent.prompt import FollowUp, Language, build_messages, template
from mimi.readings.deck import draw_oriented
from mimi_ops.eval.cost import CACHE_MIN, CACHE_STEP, cached_tokens, prefix_tokens, reading_cost
from mimi_ops.eval.spreads import SPREADS
from tests.ops.eval.stand_in import stand_in_reply

BUDGET_USD = 0.0005  # a Thai three-card reading at gpt-4o-mini prices
KINDS: list[tuple[str, Language]] = [
    (spread, language) for spread in SPREADS for language in ("th", "en")
]
FOLLOW_UP = FollowUp(
    question="งานนี้ดีไหม", cards=("- Past: The Sun | ดวงอาทิตย์ | upright",), summary="ดีค่ะ"
)


def test_the_tokenizer_is_the_real_o200k_base() -> None:
    assert tokens._encoding().encode("hello world") == [
        24912,
        2375,
    ]  # o200k_base ids (cl100k: 15339, 1917)


@pytest.mark.parametrize(("spread_id", "language"), KINDS)
def test_every_reading_starts_with_the_same_fixed_system_text(
    spread_id: str, language: Language
) -> None:
    fixed = tokens._encoding().encode(template())
    spread = SPREADS[spread_id]
    follow_up = FOLLOW_UP if spread_id == "follow_up" else None
    cards = draw_oriented(len(spread.positions), reversals=True)
    system = build_messages("คำถามทดสอบของฉันคืออะไร", cards, language, spread, follow_up)[0][
        "content"
    ]
    assert tokens._encoding().encode(system)[: len(fixed)] == fixed


def test_the_fixed_text_has_no_placeholders_and_ends_before_the_details() -> None:
    assert "{{" not in template()
    assert template().rstrip().endswith("# THIS READING")


def test_the_shared_prefix_is_long_enough_for_openai_prompt_caching_without_padding() -> None:
    prefix = prefix_tokens()
    assert CACHE_MIN <= prefix < CACHE_MIN + 256  # cached, and not padded far past the threshold
    assert (
        prefix - CACHE_STEP < cached_tokens(prefix) <= prefix
    )  # all but the last partial 128-token step
    assert cached_tokens(CACHE_MIN - 1) == 0


def test_a_thai_three_card_reading_costs_at_most_half_a_tenth_of_a_cent() -> None:
    cost = reading_cost("three", "th", stand_in_reply, samples=20)
    assert cost.usd_cached <= BUDGET_USD, cost
    assert cost.usd < 0.00076  # below the old prompt's estimate even when the cache misses


def test_the_processor_never_loads_the_tokenizer() -> None:
    from tests.lib.test_imports import loaded

    modules = set(loaded("reading_processor")["modules"])  # type: ignore[call-overload]
    assert "bpe_openai" not in modules
    assert "mimi.agent.tokens" not in modules
    assert "mimi_local" not in modules and "mimi_ops" not in modules
