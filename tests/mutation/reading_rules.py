"""Reading rules mutants (issue 25): follow-ups and the SQL reading limits on the direct rpc path, spreads' prices
and the daily card's day, and one refund per spend under a real race."""

from __future__ import annotations

from tests.mutation.rules import SQL_CREDITS, sql

FOLLOW = "tests/sql/test_follow_up_rules.py::"
LIMITS = "tests/sql/test_limits.py::"
SQL_V2 = "tests/sql/test_spreads_daily_follow_ups.py::"
ASK = "public.ask_follow_up"
READING_LIMITS = "private.check_reading_limits"
MINUTE = "where user_id = p_user and created_at > now() - interval '1 minute';"
DAY = "where user_id = p_user and created_at > now() - interval '1 day';"

# --- follow-ups ------------------------------------------------------------------------------------------------------
sql(
    "follow-up-about-an-unfinished-reading",
    ASK,
    (
        "elsif parent.status <> 'completed' then",
        "elsif parent.status in ('queued', 'processing') then",
    ),
    "a follow-up about a failed or rejected reading is paid for and read",
    FOLLOW
    + "test_a_follow_up_about_a_reading_that_is_not_completed_is_refused_and_spends_nothing[failed]",
)
sql(
    "follow-up-outside-the-reading-limits",
    ASK,
    ("  perform private.check_reading_limits(uid);\n", ""),
    "a direct rpc asks follow-ups past the minute and day limits (refused ones are refunded: free model calls)",
    FOLLOW + "test_follow_ups_count_in_the_minute_limit_and_are_refused_by_it",
    FOLLOW + "test_follow_ups_count_in_the_day_limit_and_are_refused_by_it",
)
sql(
    "follow-up-limit-counts-refused-ones",
    ASK,
    (
        "where parent_id = parent.id and status not in ('rejected', 'failed');",
        "where parent_id = parent.id;",
    ),
    "a follow-up the model refused (and refunded) still uses up one of the reading's three",
    FOLLOW + "test_a_follow_up_the_model_refused_does_not_use_up_one_of_the_three",
)

# --- the SQL reading limits count every reading ----------------------------------------------------------------------
sql(
    "sql-reading-limits-skip-follow-ups",
    READING_LIMITS,
    (MINUTE, MINUTE[:-1] + " and parent_id is null;"),
    "follow-ups take no place in the minute limit",
    FOLLOW + "test_follow_ups_count_in_the_minute_limit_and_are_refused_by_it",
)
sql(
    "sql-reading-day-limit-skips-ended-readings",
    READING_LIMITS,
    (DAY, DAY[:-1] + " and status not in ('rejected', 'failed');"),
    "refused and failed (refunded) readings free their place in the day limit",
    LIMITS + "test_the_daily_limit_counts_every_reading_whatever_became_of_it",
)
sql(
    "sql-reading-day-limit-skips-deleted",
    READING_LIMITS,
    (DAY, DAY[:-1] + " and deleted_at is null;"),
    "deleting readings frees their places in the day limit",
    LIMITS + "test_the_daily_limit_counts_every_reading_whatever_became_of_it",
)

# --- spreads and the daily card --------------------------------------------------------------------------------------
sql(
    "spread-price-ignored",
    "public.submit_reading",
    ("'reading', rid::text, s.price);", "'reading', rid::text, 1);"),
    "every spread costs one credit: a Celtic cross is sold at the price of a single card",
    SQL_V2
    + "test_each_spread_spends_its_price_and_a_refusal_gives_exactly_that_back_once[celtic_cross]",
)
sql(
    "inactive-spread-submittable",
    "private.active_spread",
    ("where id = p_id and active;", "where id = p_id;"),
    "a spread an admin took off sale can still be submitted (and paid for)",
    "tests/functions/test_admin_spreads.py::"
    "test_a_spread_is_deactivated_and_names_positions_and_count_change_together",
)
sql(
    "daily-card-utc-day",
    "private.daily_card",
    ("(p_now at time zone 'Asia/Bangkok')::date", "(p_now at time zone 'UTC')::date"),
    "the daily card turns over at 07:00 in Bangkok (the UTC day): two cards in one Thai day",
    SQL_V2 + "test_daily_card_is_one_reading_per_bangkok_day",
)

# --- one refund per spend, under a real race (lock-step) -------------------------------------------------------------
sql(
    "refund-check-then-act",
    "private.refund",
    (
        "  update private.credit_ops set refunded_by = p_refund_key\n"
        "  where key = p_spend_key and user_id = p_user and kind = 'spend' and refunded_by is null\n"
        "    and result ->> 'spent' is not null\n"
        "  returning * into spent;\n",
        "  select * into spent from private.credit_ops\n"
        "  where key = p_spend_key and user_id = p_user and kind = 'spend' and refunded_by is null\n"
        "    and result ->> 'spent' is not null;\n"
        "  if found then\n"
        "    update private.credit_ops set refunded_by = p_refund_key where key = p_spend_key;\n"
        "  end if;\n",
    ),
    "the refund checks its spend, then claims it: two refunds at once both pass the check and both pay",
    SQL_CREDITS + "test_concurrent_refunds_of_one_spend_under_different_keys_refund_once",
)
