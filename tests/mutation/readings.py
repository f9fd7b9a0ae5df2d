"""Readings mutants: the cards drawn in SQL when a reading is paid for (0028), and free readings' rewards (0029)."""

from __future__ import annotations

from tests.mutation.rules import sql

# 0028's signature (0030 adds a thin overload for a processor from before 0028)
COMPLETE = "public.complete_reading(p_id uuid, p_result"

DRAW = "private.draw_cards"
SQL_DRAW = "tests/sql/test_card_draw.py::"
SQL_CARDS = "tests/sql/test_cards_when_paid.py::"
SQL_FREE = "tests/sql/test_free_readings.py::"
SQL_V2 = "tests/sql/test_spreads_daily_follow_ups.py::"

# --- the draw: nobody chooses, predicts or re-rolls the cards ---------------------------------------------------
sql(
    "card-draw-predictable",
    DRAW,
    ("array_agg(c.id order by gen_random_uuid())", "array_agg(c.id order by c.id)"),
    "the deck is never shuffled: every reading draws the same, predictable cards",
    SQL_DRAW + "test_every_card_is_drawn_equally_often",
    SQL_DRAW + "test_every_card_is_equally_likely_in_every_position",
)
sql(
    "card-orientation-constant",
    DRAW,
    ("get_byte(uuid_send(gen_random_uuid()), 0) >= 128", "false"),
    "no card is ever reversed: the orientation is a constant, not a coin toss",
    SQL_DRAW + "test_each_card_is_reversed_half_the_time",
)
sql(
    "card-orientation-biased",
    DRAW,
    (
        "get_byte(uuid_send(gen_random_uuid()), 0) >= 128",
        "get_byte(uuid_send(gen_random_uuid()), 0) >= 64",
    ),
    "a card comes up reversed three times in four",
    SQL_DRAW + "test_each_card_is_reversed_half_the_time",
)
sql(
    "card-reversals-setting-ignored",
    DRAW,
    ("u.reversals and ", ""),
    "the user's reversals setting is ignored: cards come up reversed with reversals off",
    SQL_DRAW + "test_with_reversals_off_no_card_is_reversed",
    SQL_CARDS + "test_with_reversals_off_every_drawn_card_is_upright",
)
sql(
    "card-draw-ignores-exclusions",
    DRAW,
    ("where c.id <> all (coalesce(p_exclude, '{}'))", ""),
    "the draw ignores the cards it must leave out",
    SQL_DRAW + "test_excluded_cards_are_never_drawn",
)
sql(
    "follow-up-may-redraw-a-parent-card",
    "public.ask_follow_up",
    ("private.card_ids(parent.cards)", "'{}'"),
    "a follow-up's clarifying card may be one of its reading's cards",
    SQL_CARDS + "test_a_follow_up_never_draws_a_card_of_its_reading",
)
sql(
    "claim-rerolls-the-cards",
    "public.claim_reading",
    ("if r.cards is null or jsonb_array_length(r.cards) <> s.card_count then", "if true then"),
    "each claim (a QStash retry) draws new cards: the cards shown at submit are not the ones read",
    SQL_V2 + "test_claim_hands_over_the_cards_drawn_at_submit_and_the_positions",
)
sql(
    "submit-replay-pays-and-draws-again",
    "public.submit_reading",
    ("if r.id is not null then", "if false then"),
    "a submit retried with its Idempotency-Key pays again and re-rolls the cards",
    SQL_CARDS + "test_the_same_idempotency_key_answers_the_same_reading_and_cards_once_paid",
)
sql(
    "follow-up-replay-pays-and-draws-again",
    "public.ask_follow_up",
    ("if r.id is not null then", "if false then"),
    "a follow-up retried with its Idempotency-Key pays again and re-rolls its card",
    SQL_CARDS + "test_a_follow_up_replayed_with_its_key_is_the_same_follow_up",
)
sql(
    "replay-ignores-the-question",
    "private.earlier_reading",
    ("elsif r.question is distinct from p_question then", "elsif false then"),
    "an Idempotency-Key reused for another question answers the first reading instead of 422",
    SQL_CARDS + "test_a_key_reused_for_another_request_is_refused_and_changes_nothing",
)

# --- free readings pay nothing that buys stars ---------------------------------------------------------------------
sql(
    "daily-card-pays-the-completion-reward",
    COMPLETE,
    ("if private.reading_paid(r.id) then", "if true then"),
    "the free daily card pays the completion reward (coins buy stars)",
    SQL_FREE + "test_the_daily_card_completes_and_is_reviewed_for_no_coins_or_exp",
    "tests/functions/test_readings_v2.py::test_daily_card_is_free_short_and_the_same_reading_all_day",
)
sql(
    "daily-card-review-pays",
    "public.review_reading",
    ("if private.reading_paid(p_id) then", "if true then"),
    "reviewing the free daily card pays the review reward",
    SQL_FREE + "test_the_daily_card_completes_and_is_reviewed_for_no_coins_or_exp",
)
sql(
    "refunded-reading-counts-as-paid",
    "private.reading_paid",
    (" and o.refunded_by is null", ""),
    "a refunded reading an admin retries for free pays its completion and review rewards",
    SQL_FREE + "test_a_refunded_reading_an_admin_retries_pays_no_reward",
)
sql(
    "paid-reading-pays-no-reward",
    "private.reading_paid",
    ("and o.kind = 'spend'", "and o.kind = 'grant'"),
    "no reading counts as paid: a paid reading's completion and review earn nothing",
    SQL_FREE + "test_a_paid_reading_still_pays_its_completion_and_review_rewards",
)
