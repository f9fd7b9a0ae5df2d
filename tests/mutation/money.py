"""Money mutants: spend, refund, grant, exchange, check-in, referral, welcome bonus, readings, Stripe, ledger."""

from __future__ import annotations

from tests.mutation.rules import SQL_CREDITS, SQL_PAYMENTS, SQL_READINGS, sql, statement

# 0028's signatures (0030 adds a thin overload for a processor from before 0028)
COMPLETE = "public.complete_reading(p_id uuid, p_result"
REJECT = "public.reject_reading(p_id uuid, p_rejection jsonb, p_analysis"

# --- money: spend, refund, grant, idempotency keys -------------------------------------------------------------
sql(
    "spend-without-wallet-lock",
    "private.spend_amount",
    ("where user_id = p_user for update;", "where user_id = p_user;"),
    "the wallet row is read without FOR UPDATE: a concurrent spend pays with a balance already spent",
    SQL_CREDITS + "test_a_spend_waits_for_the_wallet_lock_then_pays_with_what_is_left",
)
sql(
    "spend-negative-stars-with-free-points",
    "private.spend_amount",
    ("elsif w.stars < 0 then", "elsif w.stars < 0 and w.free_points < p_cost then"),
    "a spend is allowed while stars are negative if free points remain",
    SQL_PAYMENTS + "test_spending_is_refused_while_stars_are_negative_even_with_free_points_left",
)
sql(
    "spend-stars-before-free-points",
    "private.spend_amount",
    (
        "when w.free_points >= p_cost then 'free_point' when w.stars >= p_cost then 'star'",
        "when w.stars >= p_cost then 'star' when w.free_points >= p_cost then 'free_point'",
    ),
    "stars are spent before free points",
    SQL_CREDITS + "test_spend_uses_free_points_first_then_stars",
)
sql(
    "spend-without-enough-stars",
    "private.spend_amount",
    ("when w.stars >= p_cost then 'star'", "when w.stars >= 0 then 'star'"),
    "a spend with zero stars left is allowed",
    SQL_CREDITS + "test_spend_uses_free_points_first_then_stars",
)
sql(
    "spend-while-frozen",
    "private.spend_amount",
    ("elsif w.frozen then", "elsif false then"),
    "a frozen wallet (open dispute) can still spend",
    SQL_PAYMENTS + "test_dispute_freezes_until_won",
)
# the three-argument begin_op (spend, grant, refund); 0011's overload with parameters is in hardening.py
BEGIN_OP = "private.begin_op(p_key text, p_user uuid, p_kind text)"
sql(
    "idempotency-no-replay",
    BEGIN_OP,
    ("return coalesce(op.result, '{}'::jsonb) || '{\"replayed\": true}'::jsonb;", "return null;"),
    "a reused idempotency key runs the operation again instead of returning the first result",
    SQL_CREDITS + "test_same_key_twice_and_concurrently_is_one_ledger_row_and_the_same_result",
)
sql(
    "idempotency-key-shared-across-users",
    BEGIN_OP,
    ("op.user_id <> p_user or ", ""),
    "another user's idempotency key replays that user's result (and wallet)",
    SQL_CREDITS + "test_a_key_used_by_another_user_is_refused_not_replayed",
)
# No mutant drops the refund's own replay (same refund key): since 0011 the spend's refunded_by replays it just the
# same, so that change alone is invisible. The once-per-spend rule itself is mutated in hardening.py.
sql(
    "refund-of-another-users-spend",
    "private.refund",
    (
        "where key = p_spend_key and user_id = p_user and kind = 'spend'",
        "where key = p_spend_key and kind = 'spend'",
    ),
    "a refund names another user's spend and pays its amount to the caller",
    SQL_CREDITS + "test_a_refund_of_another_users_spend_refunds_nothing",
)
sql(
    "refund-always-in-stars",
    "private.refund",
    (
        "jsonb_build_object(spent.result ->> 'spent', (spent.result ->> 'amount')::integer)",
        "jsonb_build_object('star', (spent.result ->> 'amount')::integer)",
    ),
    "a refund gives back a star even when a free point was spent",
    SQL_CREDITS + "test_refund_returns_what_was_spent_once",
)
sql(
    "grant-no-replay",
    "private.grant",
    ("if prev is not null then", "if false then"),
    "a grant with a used key pays again",
    SQL_CREDITS + "test_a_grant_with_a_used_key_is_replayed_not_paid_twice",
)
sql(
    "grant-any-currency",
    "public.grant_credit",
    ("c.key not in ('star', 'free_point', 'coin', 'exp') or ", ""),
    "grant_credit accepts unknown currencies",
    SQL_CREDITS + "test_grant_refuses_unknown_currencies_and_non_integers",
)

# --- money: exchange, check-in, referral, welcome bonus ----------------------------------------------------------
sql(
    "exchange-exact-balance-refused",
    "public.exchange_coins",
    ("if w.coins < p_stars * rate then", "if w.coins <= p_stars * rate then"),
    "exchanging exactly the coin balance is refused",
    SQL_CREDITS + "test_exchange_of_exactly_the_coin_balance_succeeds_and_leaves_zero",
)
sql(
    "exchange-key-not-per-user",
    "public.exchange_coins",
    ("'exchange:' || uid || ':' || p_key", "'exchange:' || p_key"),
    "the exchange idempotency key is not scoped to the user",
    SQL_CREDITS + "test_two_users_may_use_the_same_exchange_key",
)
sql(
    "exchange-no-replay",
    "public.exchange_coins",
    ("if prev is not null then", "if false then"),
    "a retried exchange (same key) exchanges again",
    SQL_CREDITS + "test_exchange_250_coins_for_2_stars_leaves_50",
)
sql(
    "check-in-twice-a-day",
    "private.daily_check_in",
    ("elsif w.last_check_in >= today then", "elsif w.last_check_in > today then"),
    "a second check-in the same day is not refused",
    SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak",
)
sql(
    "check-in-utc-day",
    "private.daily_check_in",
    ("'Asia/Bangkok'", "'UTC'"),
    "the check-in day is the UTC day, not the Bangkok day",
    SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak",
)
sql(
    "check-in-streak-never-resets",
    "private.daily_check_in",
    ("case when w.last_check_in = today - 1 then w.streak + 1 else 1 end", "w.streak + 1"),
    "a missed day does not reset the streak",
    SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak",
)
sql(
    "check-in-public-wrong-clock",
    "public.daily_check_in",
    ("require_uid(), now())", "require_uid(), now() - interval '1 day')"),
    "the user's check-in is dated a day early (a wrong clock passed to the private function)",
    SQL_CREDITS + "test_clock_is_injectable_only_on_the_private_function",
)
sql(
    "referral-self-allowed",
    "private.attribute_referral",
    ("elsif inviter = p_invitee then", "elsif false then"),
    "a user may use their own referral code",
    SQL_CREDITS + "test_referral_rewards_both_sides_once_and_refuses_self_and_second_attribution",
)
sql(
    "referral-paid-on-second-reading",
    COMPLETE,
    (
        "if not exists (select 1 from public.readings o",
        "if exists (select 1 from public.readings o",
    ),
    "the inviter is rewarded on the invitee's second completed reading instead of the first",
    SQL_READINGS + "test_first_completed_reading_pays_the_inviter_once",
)
sql(
    "welcome-bonus-in-stars",
    "public.login_line_user",
    (
        "jsonb_build_object('free_point', private.setting('welcome_free_points'))",
        "jsonb_build_object('star', private.setting('welcome_free_points'))",
    ),
    "the welcome bonus is paid in stars instead of free points",
    SQL_CREDITS + "test_first_login_grants_the_welcome_bonus_through_the_ledger",
)

# --- money: readings ------------------------------------------------------------------------------------------------
sql(
    "reading-reward-wrong-setting",
    COMPLETE,
    ("private.setting('reading_reward_coins')", "private.setting('review_reward_coins')"),
    "a completed reading pays the review reward",
    SQL_READINGS + "test_complete_twice_stores_and_rewards_once",
)
sql(
    "complete-unclaimed-reading",
    COMPLETE,
    (
        "elsif r.status not in ('processing', 'writing') then",
        "elsif r.status not in ('processing', 'writing', 'queued') then",
    ),
    "a reading can be completed without being claimed",
    SQL_READINGS + "test_complete_needs_a_claim",
)
sql(
    "reject-after-complete-refunds",
    REJECT,
    (
        "if r.status in ('completed', 'rejected', 'failed') then",
        "if r.status in ('rejected', 'failed') then",
    ),
    "rejecting a completed reading refunds it",
    SQL_READINGS + "test_fail_or_reject_leaves_a_completed_reading_alone[reject]",
)
sql(
    "fail-after-complete-refunds",
    "public.fail_reading",
    (
        "if r.status in ('completed', 'rejected', 'failed') then",
        "if r.status in ('rejected', 'failed') then",
    ),
    "failing a completed reading refunds it",
    SQL_READINGS + "test_fail_or_reject_leaves_a_completed_reading_alone[fail]",
)
sql(
    "refund-looks-up-the-wrong-spend",
    "private.end_with_refund",
    ("'reading:' || r.id || ':spend'", "'reading:' || r.user_id || ':spend'"),
    "a rejected reading looks up its spend under the wrong key and refunds nothing",
    SQL_READINGS + "test_reject_then_fail_refunds_once_and_completion_after_is_a_noop",
)
sql(
    "submit-question-min-9",
    "private.valid_question",
    ("char_length(question) not between 10 and 500", "char_length(question) not between 9 and 500"),
    "submit_reading accepts a 9-character question",
    SQL_READINGS + "test_submit_refuses_bad_questions_even_past_the_api[9-chars]",
)
sql(
    "submit-allows-control-characters",
    "private.valid_question",
    (" or question ~ '[[:cntrl:]]'", ""),
    "submit_reading accepts control characters",
    SQL_READINGS + "test_submit_refuses_bad_questions_even_past_the_api[control-char]",
)
sql(
    "submit-spend-key-per-user",
    "public.submit_reading",
    ("'reading:' || rid || ':spend'", "'reading:' || uid || ':spend'"),
    "the spend key names the user, not the reading: later readings replay the first spend for free",
    SQL_READINGS + "test_submit_without_credit_inserts_nothing",
)
sql(
    "cancel-another-users-reading",
    "public.cancel_reading",
    ("where id = p_id and user_id = uid for update", "where id = p_id for update"),
    "a user can cancel (and be refunded for) another user's reading",
    SQL_READINGS + "test_cancel_only_a_queued_reading_of_ones_own",
)
sql(
    "sweep-takes-claimed-readings",
    "public.sweep_stale_readings",
    (
        "where status = 'queued' and attempts = 0 and",
        "where status in ('queued', 'processing') and",
    ),
    "the stale sweep also fails and refunds readings the processor is working on",
    "tests/functions/test_reading_sweeper.py::test_a_claimed_reading_is_left_to_qstash_retries",
)

# --- money: Stripe events and clawbacks ---------------------------------------------------------------------------
sql(
    "stripe-redelivery-applied-again",
    "public.apply_stripe_event",
    ("if not found then", "if false then"),
    "a redelivered Stripe event (same id) is applied again",
    SQL_PAYMENTS + "test_succeeded_credits_once_across_events_and_redeliveries",
)
sql(
    "stripe-credit-despite-mismatch",
    "private.stripe_succeeded",
    ("if problem is null and p.stars_credited = 0 then", "if p.stars_credited = 0 then"),
    "a payment whose amount, currency or metadata mismatch is credited anyway",
    SQL_PAYMENTS + "test_a_mismatched_payment_is_flagged_not_credited",
)
sql(
    "stripe-currency-not-checked",
    "private.payment_mismatch",
    ("when lower(o ->> 'currency') is distinct from p.currency then", "when false then"),
    "a payment in another currency is credited",
    SQL_PAYMENTS + "test_a_mismatched_payment_is_flagged_not_credited",
)
sql(
    "clawback-rounds-up",
    "private.settle_payment",
    (
        "(p.stars_credited::bigint * p.amount_refunded / p.amount_satang)::integer",
        "ceil(p.stars_credited::numeric * p.amount_refunded / p.amount_satang)::integer",
    ),
    "a partial refund claws back a rounded-up number of stars",
    SQL_PAYMENTS + "test_partial_refunds_claw_back_pro_rata_of_the_new_amount_only",
)
sql(
    "clawback-lost-dispute-pro-rata",
    "private.settle_payment",
    ("when p.dispute_status = 'lost' or p.amount_refunded", "when p.amount_refunded"),
    "a lost dispute claws back only the refunded share, not every credited star",
    SQL_PAYMENTS + "test_a_lost_dispute_claws_back_the_rest_and_unfreezes",
)
sql(
    "clawback-stops-at-zero",
    "private.claw_back",
    (
        "jsonb_build_object('star', -p_stars)",
        "jsonb_build_object('star', -least(p_stars, greatest(w.stars, 0)))",
    ),
    "a clawback never takes stars below zero (already-spent stars are forgiven)",
    SQL_PAYMENTS
    + "test_refund_after_spending_goes_negative_blocks_spending_and_a_new_purchase_repays",
)
sql(
    "dispute-does-not-freeze",
    "private.settle_payment",
    ("q.dispute_status = 'open'", "q.dispute_status = 'lost'"),
    "an open dispute does not freeze the wallet",
    SQL_PAYMENTS + "test_dispute_freezes_until_won",
)
sql(
    "intent-of-another-user",
    "public.record_payment_intent",
    ("if p.user_id <> uid or p.package_id <> pkg.id then", "if p.package_id <> pkg.id then"),
    "recording another user's PaymentIntent returns their payment",
    SQL_PAYMENTS + "test_record_refuses_unknown_inactive_and_foreign",
)
sql(
    "intent-for-inactive-package",
    "public.record_payment_intent",
    ("elsif not pkg.active or pkg.kind <> 'stars' then", "elsif pkg.kind <> 'stars' then"),
    "a package taken off sale can still be bought",
    SQL_PAYMENTS + "test_record_refuses_unknown_inactive_and_foreign",
)

# --- the append-only ledger -------------------------------------------------------------------------------------------
statement(
    "ledger-update-allowed",
    "create trigger ledger_append_only",
    ("before update or delete or truncate", "before delete or truncate"),
    "ledger rows can be updated",
    SQL_CREDITS + "test_the_ledger_refuses_update_delete_and_truncate_even_for_the_owner[update]",
)
statement(
    "ledger-truncate-allowed",
    "create trigger ledger_append_only",
    ("before update or delete or truncate", "before update or delete"),
    "the ledger can be truncated",
    SQL_CREDITS + "test_the_ledger_refuses_update_delete_and_truncate_even_for_the_owner[truncate]",
)
