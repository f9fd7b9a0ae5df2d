"""The mutants: each a small realistic bug in money, auth, limits or verification code, and the tests that catch it.

SQL mutants name a function (schema.name) or the start of a statement and apply to the migration that defines it
LAST; Python mutants name file:function. A search text that is no longer there makes the mutant `stale`.
"""

from __future__ import annotations

from tests.mutation.locate import Edit, Mutant

SQL_CREDITS = "tests/sql/test_credits.py::"
SQL_READINGS = "tests/sql/test_readings.py::"
SQL_PAYMENTS = "tests/sql/test_payments_sql.py::"
PRIVILEGE = "tests/sql/test_privileges.py::test_api_roles_are_refused_what_was_revoked_from_them[{}]"
PRIVATE = "tests/sql/test_privileges.py::test_api_roles_can_use_nothing_in_the_private_schema"
TOKEN = "tests/auth/test_tokens.py::test_access_token_verdict[{}]"
AUTH = "tests/functions/test_auth.py::"
RLS = "tests/functions/test_rls.py::test_another_users_rows_are_invisible_through_the_gateway[{}]"
PUBLIC_TABLES = "tests/functions/test_rls.py::test_anyone_can_read_the_reference_tables[{}]"
READINGS = "tests/functions/test_readings.py::"
PROCESSOR = "tests/functions/test_reading_processor.py::"
WEBHOOK = "tests/functions/test_stripe_webhook.py::"
PAYMENTS = "tests/functions/test_payments.py::"

MUTANTS: list[Mutant] = []


def _add(kind: str, name: str, target: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    MUTANTS.append(Mutant(name, kind, target, tuple(edits) if isinstance(edits, list) else (edits,), bug, kills))


def sql(name: str, function: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("sql-function", name, function, edits, bug, *kills)


def statement(name: str, prefix: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("sql-statement", name, prefix, edits, bug, *kills)


def py(name: str, target: str, edits: Edit | list[Edit], bug: str, *kills: str) -> None:
    _add("python", name, target, edits, bug, *kills)


# --- money: spend, refund, grant, idempotency keys -------------------------------------------------------------
sql("spend-without-wallet-lock", "private.spend", ("where user_id = p_user for update;", "where user_id = p_user;"),
    "the wallet row is read without FOR UPDATE: a concurrent spend pays with a balance already spent",
    SQL_CREDITS + "test_a_spend_waits_for_the_wallet_lock_then_pays_with_what_is_left")
sql("spend-negative-stars-with-free-points", "private.spend",
    ("elsif w.stars < 0 then", "elsif w.stars < 0 and w.free_points < cost then"),
    "a spend is allowed while stars are negative if free points remain",
    SQL_PAYMENTS + "test_spending_is_refused_while_stars_are_negative_even_with_free_points_left")
sql("spend-stars-before-free-points", "private.spend",
    ("when w.free_points >= cost then 'free_point' when w.stars >= cost then 'star'",
     "when w.stars >= cost then 'star' when w.free_points >= cost then 'free_point'"),
    "stars are spent before free points", SQL_CREDITS + "test_spend_uses_free_points_first_then_stars")
sql("spend-without-enough-stars", "private.spend",
    ("when w.stars >= cost then 'star'", "when w.stars >= 0 then 'star'"),
    "a spend with zero stars left is allowed", SQL_CREDITS + "test_spend_uses_free_points_first_then_stars")
sql("spend-while-frozen", "private.spend", ("elsif w.frozen then", "elsif false then"),
    "a frozen wallet (open dispute) can still spend", SQL_PAYMENTS + "test_dispute_freezes_until_won")
sql("idempotency-no-replay", "private.begin_op",
    ("return coalesce(op.result, '{}'::jsonb) || '{\"replayed\": true}'::jsonb;", "return null;"),
    "a reused idempotency key runs the operation again instead of returning the first result",
    SQL_CREDITS + "test_same_key_twice_and_concurrently_is_one_ledger_row_and_the_same_result")
sql("idempotency-key-shared-across-users", "private.begin_op", ("op.user_id <> p_user or ", ""),
    "another user's idempotency key replays that user's result (and wallet)",
    SQL_CREDITS + "test_a_key_used_by_another_user_is_refused_not_replayed")
sql("refund-no-replay", "private.refund", ("if prev is not null then", "if false then"),
    "a second refund with the same key refunds again", SQL_CREDITS + "test_refund_returns_what_was_spent_once")
sql("refund-without-a-spend", "private.refund", ("if spent is null or spent ->> 'spent' is null then", "if false then"),
    "a refund does not check that the spend happened",
    SQL_CREDITS + "test_refund_of_a_spend_that_never_happened_refunds_nothing")
sql("refund-always-in-stars", "private.refund",
    ("jsonb_build_object(spent ->> 'spent', (spent ->> 'amount')::integer)",
     "jsonb_build_object('star', (spent ->> 'amount')::integer)"),
    "a refund gives back a star even when a free point was spent",
    SQL_CREDITS + "test_refund_returns_what_was_spent_once")
sql("grant-no-replay", "private.grant", ("if prev is not null then", "if false then"),
    "a grant with a used key pays again", SQL_CREDITS + "test_a_grant_with_a_used_key_is_replayed_not_paid_twice")
sql("grant-any-currency", "public.grant_credit", ("c.key not in ('star', 'free_point', 'coin', 'exp') or ", ""),
    "grant_credit accepts unknown currencies", SQL_CREDITS + "test_grant_refuses_unknown_currencies_and_non_integers")

# --- money: exchange, check-in, referral, welcome bonus ----------------------------------------------------------
sql("exchange-exact-balance-refused", "public.exchange_coins",
    ("if w.coins < p_stars * rate then", "if w.coins <= p_stars * rate then"),
    "exchanging exactly the coin balance is refused",
    SQL_CREDITS + "test_exchange_of_exactly_the_coin_balance_succeeds_and_leaves_zero")
sql("exchange-key-not-per-user", "public.exchange_coins",
    ("'exchange:' || uid || ':' || p_key", "'exchange:' || p_key"),
    "the exchange idempotency key is not scoped to the user",
    SQL_CREDITS + "test_two_users_may_use_the_same_exchange_key")
sql("exchange-no-replay", "public.exchange_coins", ("if prev is not null then", "if false then"),
    "a retried exchange (same key) exchanges again", SQL_CREDITS + "test_exchange_250_coins_for_2_stars_leaves_50")
sql("check-in-twice-a-day", "private.daily_check_in",
    ("elsif w.last_check_in >= today then", "elsif w.last_check_in > today then"),
    "a second check-in the same day is not refused",
    SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak")
sql("check-in-utc-day", "private.daily_check_in", ("'Asia/Bangkok'", "'UTC'"),
    "the check-in day is the UTC day, not the Bangkok day",
    SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak")
sql("check-in-streak-never-resets", "private.daily_check_in",
    ("case when w.last_check_in = today - 1 then w.streak + 1 else 1 end", "w.streak + 1"),
    "a missed day does not reset the streak", SQL_CREDITS + "test_daily_check_in_once_per_bangkok_day_with_a_streak")
sql("check-in-public-wrong-clock", "public.daily_check_in",
    ("require_uid(), now())", "require_uid(), now() - interval '1 day')"),
    "the user's check-in is dated a day early (a wrong clock passed to the private function)",
    SQL_CREDITS + "test_clock_is_injectable_only_on_the_private_function")
sql("referral-self-allowed", "private.attribute_referral", ("elsif inviter = p_invitee then", "elsif false then"),
    "a user may use their own referral code",
    SQL_CREDITS + "test_referral_rewards_both_sides_once_and_refuses_self_and_second_attribution")
sql("referral-paid-on-second-reading", "public.complete_reading",
    ("if not exists (select 1 from public.readings o", "if exists (select 1 from public.readings o"),
    "the inviter is rewarded on the invitee's second completed reading instead of the first",
    SQL_READINGS + "test_first_completed_reading_pays_the_inviter_once")
sql("welcome-bonus-in-stars", "public.login_line_user",
    ("jsonb_build_object('free_point', private.setting('welcome_free_points'))",
     "jsonb_build_object('star', private.setting('welcome_free_points'))"),
    "the welcome bonus is paid in stars instead of free points",
    SQL_CREDITS + "test_first_login_grants_the_welcome_bonus_through_the_ledger")

# --- money: readings ------------------------------------------------------------------------------------------------
sql("reading-reward-wrong-setting", "public.complete_reading",
    ("private.setting('reading_reward_coins')", "private.setting('review_reward_coins')"),
    "a completed reading pays the review reward", SQL_READINGS + "test_complete_twice_stores_and_rewards_once")
sql("complete-unclaimed-reading", "public.complete_reading",
    ("elsif r.status <> 'processing' then", "elsif r.status not in ('processing', 'queued') then"),
    "a reading can be completed without being claimed", SQL_READINGS + "test_complete_needs_a_claim")
sql("reject-after-complete-refunds", "public.reject_reading",
    ("if r.status in ('completed', 'rejected', 'failed') then", "if r.status in ('rejected', 'failed') then"),
    "rejecting a completed reading refunds it",
    SQL_READINGS + "test_fail_or_reject_leaves_a_completed_reading_alone[reject]")
sql("fail-after-complete-refunds", "public.fail_reading",
    ("if r.status in ('completed', 'rejected', 'failed') then", "if r.status in ('rejected', 'failed') then"),
    "failing a completed reading refunds it",
    SQL_READINGS + "test_fail_or_reject_leaves_a_completed_reading_alone[fail]")
sql("refund-looks-up-the-wrong-spend", "private.end_with_refund",
    ("'reading:' || r.id || ':spend'", "'reading:' || r.user_id || ':spend'"),
    "a rejected reading looks up its spend under the wrong key and refunds nothing",
    SQL_READINGS + "test_reject_then_fail_refunds_once_and_completion_after_is_a_noop")
sql("submit-question-min-9", "public.submit_reading",
    ("char_length(question) not between 10 and 500", "char_length(question) not between 9 and 500"),
    "submit_reading accepts a 9-character question",
    SQL_READINGS + "test_submit_refuses_bad_questions_even_past_the_api[9-chars]")
sql("submit-allows-control-characters", "public.submit_reading", (" or question ~ '[[:cntrl:]]'", ""),
    "submit_reading accepts control characters",
    SQL_READINGS + "test_submit_refuses_bad_questions_even_past_the_api[control-char]")
sql("submit-spend-key-per-user", "public.submit_reading",
    ("'reading:' || rid || ':spend'", "'reading:' || uid || ':spend'"),
    "the spend key names the user, not the reading: later readings replay the first spend for free",
    SQL_READINGS + "test_submit_without_credit_inserts_nothing")
sql("cancel-another-users-reading", "public.cancel_reading",
    ("where id = p_id and user_id = uid for update", "where id = p_id for update"),
    "a user can cancel (and be refunded for) another user's reading",
    SQL_READINGS + "test_cancel_only_a_queued_reading_of_ones_own")
sql("sweep-takes-claimed-readings", "public.sweep_stale_readings",
    ("where status = 'queued' and attempts = 0 and", "where status in ('queued', 'processing') and"),
    "the stale sweep also fails and refunds readings the processor is working on",
    "tests/functions/test_reading_sweeper.py::test_a_claimed_reading_is_left_to_qstash_retries")

# --- money: Stripe events and clawbacks ---------------------------------------------------------------------------
sql("stripe-redelivery-applied-again", "public.apply_stripe_event", ("if not found then", "if false then"),
    "a redelivered Stripe event (same id) is applied again",
    SQL_PAYMENTS + "test_succeeded_credits_once_across_events_and_redeliveries")
sql("stripe-credit-despite-mismatch", "private.stripe_succeeded",
    ("if problem is null and p.stars_credited = 0 then", "if p.stars_credited = 0 then"),
    "a payment whose amount, currency or metadata mismatch is credited anyway",
    SQL_PAYMENTS + "test_a_mismatched_payment_is_flagged_not_credited")
sql("stripe-currency-not-checked", "private.payment_mismatch",
    ("when lower(o ->> 'currency') is distinct from p.currency then", "when false then"),
    "a payment in another currency is credited", SQL_PAYMENTS + "test_a_mismatched_payment_is_flagged_not_credited")
sql("clawback-rounds-up", "private.settle_payment",
    ("(p.stars_credited::bigint * p.amount_refunded / p.amount_satang)::integer",
     "ceil(p.stars_credited::numeric * p.amount_refunded / p.amount_satang)::integer"),
    "a partial refund claws back a rounded-up number of stars",
    SQL_PAYMENTS + "test_partial_refunds_claw_back_pro_rata_of_the_new_amount_only")
sql("clawback-lost-dispute-pro-rata", "private.settle_payment",
    ("when p.dispute_status = 'lost' or p.amount_refunded", "when p.amount_refunded"),
    "a lost dispute claws back only the refunded share, not every credited star",
    SQL_PAYMENTS + "test_a_lost_dispute_claws_back_the_rest_and_unfreezes")
sql("clawback-stops-at-zero", "private.claw_back",
    ("jsonb_build_object('star', -p_stars)", "jsonb_build_object('star', -least(p_stars, greatest(w.stars, 0)))"),
    "a clawback never takes stars below zero (already-spent stars are forgiven)",
    SQL_PAYMENTS + "test_refund_after_spending_goes_negative_blocks_spending_and_a_new_purchase_repays")
sql("dispute-does-not-freeze", "private.settle_payment", ("q.dispute_status = 'open'", "q.dispute_status = 'lost'"),
    "an open dispute does not freeze the wallet", SQL_PAYMENTS + "test_dispute_freezes_until_won")
sql("intent-of-another-user", "public.record_payment_intent",
    ("if p.user_id <> uid or p.package_id <> pkg.id then", "if p.package_id <> pkg.id then"),
    "recording another user's PaymentIntent returns their payment",
    SQL_PAYMENTS + "test_record_refuses_unknown_inactive_and_foreign")
sql("intent-for-inactive-package", "public.record_payment_intent",
    ("elsif not pkg.active or pkg.kind <> 'stars' then", "elsif pkg.kind <> 'stars' then"),
    "a package taken off sale can still be bought", SQL_PAYMENTS + "test_record_refuses_unknown_inactive_and_foreign")

# --- refresh tokens -------------------------------------------------------------------------------------------------
sql("refresh-not-rotated", "public.rotate_refresh_token",
    ("update private.refresh_tokens set used_at = now() where token_hash = p_old_hash;", ""),
    "a used refresh token is not marked used: it works again and reuse goes unnoticed",
    AUTH + "test_refresh_rotates_and_reuse_revokes_the_family")
sql("refresh-expiry-ignored", "public.rotate_refresh_token",
    ("if t.expires_at <= now() then", "if t.expires_at <= now() - interval '30 days' then"),
    "an expired refresh token is accepted", AUTH + "test_an_expired_refresh_token_is_401_refresh_token_expired")
sql("refresh-reuse-keeps-the-family", "public.rotate_refresh_token",
    ("where family_id = t.family_id and revoked_at is null", "where token_hash = p_old_hash and revoked_at is null"),
    "reusing a refresh token revokes only that token, not its family",
    AUTH + "test_refresh_rotates_and_reuse_revokes_the_family")
sql("refresh-revoked-accepted", "public.rotate_refresh_token",
    ("if not found or t.revoked_at is not null then", "if not found then"),
    "a revoked (logged out) refresh token still rotates", AUTH + "test_logout_revokes_the_session")

# --- the append-only ledger -------------------------------------------------------------------------------------------
statement("ledger-update-allowed", "create trigger ledger_append_only",
          ("before update or delete or truncate", "before delete or truncate"), "ledger rows can be updated",
          SQL_CREDITS + "test_the_ledger_refuses_update_delete_and_truncate_even_for_the_owner[update]")
statement("ledger-truncate-allowed", "create trigger ledger_append_only",
          ("before update or delete or truncate", "before update or delete"), "the ledger can be truncated",
          SQL_CREDITS + "test_the_ledger_refuses_update_delete_and_truncate_even_for_the_owner[truncate]")

# --- Row Level Security: every policy -------------------------------------------------------------------------------
for table, policy, owner in [("users", "Users can read their own profile", "(select auth.uid()) = id"),
                             ("wallets", "Users can read their own wallet", "(select auth.uid()) = user_id"),
                             ("ledger", "Users can read their own ledger rows", "(select auth.uid()) = user_id"),
                             ("readings", "Users can read their own readings", "(select auth.uid()) = user_id and "),
                             ("reading_reviews", "Users can read their own reviews", "(select auth.uid()) = user_id"),
                             ("payments", "Users can read their own payments", "(select auth.uid()) = user_id")]:
    statement(f"rls-{table}-readable-by-everyone", f'create policy "{policy}"',
              (owner, "true" if "and" not in owner else ""),
              f"the {table} policy lets any user read every user's rows", RLS.format(table))
statement("rls-deleted-readings-visible", 'create policy "Users can read their own readings"',
          (" and deleted_at is null", ""),
          "a user still reads their soft-deleted readings",
          SQL_READINGS + "test_users_see_only_their_own_undeleted_readings")
for table, policy in [("app_settings", "Anyone can read the business settings"),
                      ("cards", "Anyone can read the tarot cards"), ("packages", "Anyone can read the packages")]:
    statement(f"rls-{table}-not-for-anon", f'create policy "{policy}"', ("to anon, authenticated", "to authenticated"),
              f"{table} can no longer be read without a login", PUBLIC_TABLES.format(table))

# --- privileges: every one that is revoked ----------------------------------------------------------------------------
SERVER_ONLY = ["spend_credit", "refund_credit", "grant_credit", "ledger_mismatches", "login_line_user",
               "rotate_refresh_token", "revoke_refresh_family", "apply_stripe_event", "sweep_stale_readings"]
for fn in SERVER_ONLY:
    statement(f"privilege-{fn}-for-users", f"revoke execute on function public.{fn}(",
              ("from public, anon, authenticated", "from public, anon"),
              f"{fn} (server only) is callable with a user's token", PRIVILEGE.format(f"user:{fn}"))
for fn in ["claim_reading", "complete_reading", "reject_reading", "fail_reading"]:
    statement(f"privilege-{fn}-for-users", f"revoke execute on function public.{fn}(",
              ("from public, anon, authenticated", "from public, anon"),
              f"the processor's {fn} is callable with a user's token",
              SQL_READINGS + "test_processor_functions_are_service_role_only")
for fn in ["exchange_coins", "daily_check_in", "referral_summary", "my_profile", "update_profile", "submit_reading",
           "cancel_reading", "delete_reading", "review_reading", "reading_history", "record_payment_intent"]:
    statement(f"privilege-{fn}-for-anon", f"revoke execute on function public.{fn}(",
              ("from public, anon", "from public"), f"{fn} is callable without a login",
              PRIVILEGE.format(f"anon:{fn}"))
for table, case in [("users", "user:update-users"), ("wallets", "user:update-wallets"),
                    ("referrals", "user:read-referrals"), ("app_settings", "user:update-app_settings"),
                    ("cards", "user:update-cards"), ("packages", "user:update-packages"),
                    ("readings", "user:update-readings"), ("reading_reviews", "user:update-reading_reviews"),
                    ("payments", "user:update-payments"), ("app_meta", "user:read-app_meta")]:
    statement(f"privilege-{table}-table-for-users", f"revoke all on table public.{table} from",
              ("from anon, authenticated", "from anon"), f"users get every privilege on {table}",
              PRIVILEGE.format(case))
statement("privilege-ledger-writable-by-the-server", "revoke all on table public.ledger from",
          ("from anon, authenticated, service_role", "from anon, authenticated"),
          "the service role may write ledger rows directly, past the credit functions",
          PRIVILEGE.format("service:insert-ledger"))
statement("privilege-readings-llm-columns", "grant select (id, user_id, question",
          ("completed_at, deleted_at)", "completed_at, deleted_at, prompt_tokens)"),
          "users can read the LLM bookkeeping of their readings", PRIVILEGE.format("user:read-readings-llm-columns"))
statement("privilege-payments-flag-columns", "grant select (id, seq, user_id, package_id",
          ("created_at, updated_at)", "created_at, updated_at, flag_reason)"),
          "users can read the review flags on their payments", PRIVILEGE.format("user:read-payments-flag"))
statement("privilege-private-functions", "revoke execute on all functions in schema private from",
          ("from public, anon, authenticated", "from anon"), "private functions stay executable by PUBLIC", PRIVATE)
statement("privilege-private-payment-helpers", "revoke execute on function private.payment_json(",
          ("private.claw_back(uuid, integer, text, text), ", ""), "private.claw_back stays executable by PUBLIC",
          PRIVATE)
statement("privilege-private-reading-helpers", "revoke execute on function private.end_with_refund(",
          ("from public", "from anon"), "private.end_with_refund stays executable by PUBLIC", PRIVATE)
statement("privilege-private-login-helpers", "revoke execute on function private.profile_json(",
          ("from public", "from anon"), "private.profile_json stays executable by PUBLIC", PRIVATE)
statement("privilege-private-schema-usage", "grant usage on schema private to",
          ("to service_role", "to service_role, authenticated"), "users may use the private schema", PRIVATE)

# --- access tokens ----------------------------------------------------------------------------------------------------
TOKENS = "lib/mimi/auth/tokens.py:verify_access_token"
py("token-any-issuer", TOKENS, ("issuer=s.app_jwt_issuer, ", ""), "access tokens are accepted with any iss",
   TOKEN.format("wrong-iss"))
OPTIONS = 'options={"require": REQUIRED}'
py("token-any-audience", TOKENS, (OPTIONS, 'options={"require": REQUIRED, "verify_aud": False}'),
   "access tokens are accepted with any aud", TOKEN.format("wrong-aud"))
py("token-expiry-ignored", TOKENS, (OPTIONS, 'options={"require": REQUIRED, "verify_exp": False}'),
   "expired access tokens are accepted", TOKEN.format("expired"),
   AUTH + "test_expired_and_foreign_access_tokens_are_refused")
py("token-any-role", TOKENS,
   ('claims.get("role") != "authenticated"', 'claims.get("role") not in ("authenticated", "service_role")'),
   "an access token naming another role (service_role) is accepted", TOKEN.format("role-service_role"))
py("token-alg-from-the-header", TOKENS,
   [(' if header.get("alg") == ALGORITHM else None', ""),
    ("algorithms=[ALGORITHM]", 'algorithms=[str(header.get("alg"))]')],
   "the algorithm is taken from the token's own header", TOKEN.format("hs256-under-our-kid"))
py("token-only-the-current-key", "lib/mimi/auth/tokens.py:Keyset.by_kid",
   ("return next((k for k in self.keys if k.key_id == kid), None)",
    "return self.signing if self.signing.key_id == kid else None"),
   "after a key rotation, tokens signed by the previous key (by kid) are refused",
   TOKEN.format("signed-by-the-previous-key"))

# --- LINE ID tokens ---------------------------------------------------------------------------------------------------
LINE = "lib/mimi/auth/line.py:_decode"
LINE_KILL = AUTH + "test_bad_line_tokens_are_refused_with_401_and_their_own_code"
py("line-any-audience", LINE, ('"aud"]}', '"aud"], "verify_aud": False}'),
   "a LINE token for another channel logs in", LINE_KILL)
py("line-any-issuer", LINE, ("issuer=s.line_issuer,", ""), "a LINE token from another issuer logs in", LINE_KILL)
py("line-expiry-ignored", LINE, ('"aud"]}', '"aud"], "verify_exp": False}'), "an expired LINE token logs in", LINE_KILL)
py("line-any-subject", "lib/mimi/auth/line.py:verify_id_token",
   ('if not LINE_SUB.match(str(claims["sub"])):', 'if not claims["sub"]:'),
   "a LINE token whose sub is not a LINE user id is not refused", LINE_KILL)

# --- QStash and Stripe verification -------------------------------------------------------------------------------
QSTASH = "lib/mimi/readings/queue.py:verify"
QSTASH_KILL = PROCESSOR + "test_bad_signatures_are_401_and_nothing_changes"
py("qstash-any-url", QSTASH, ("url=url)", "url=None)"), "a QStash signature made for another URL is accepted",
   QSTASH_KILL)
# No QStash tolerance mutant: our code has no knob for it. The SDK's clock_tolerance is inert (it passes leeway
# inside PyJWT's options, which PyJWT ignores), and an expired signature fails the current key, then the next
# key with a plain signature error. The expired forgery stays in the kill test.
py("qstash-next-key-ignored", QSTASH, ("s.qstash_next_signing_key.get_secret_value()",
                                       "s.qstash_current_signing_key.get_secret_value()"),
   "deliveries signed with the next signing key (during a rotation) are refused", QSTASH_KILL)
STRIPE = "lib/mimi/payments/webhook.py:verify"
STRIPE_KILL = WEBHOOK + "test_bad_signatures_and_bodies_are_rejected_and_nothing_is_stored"
py("stripe-tolerance-an-hour", STRIPE, ("construct_event(payload, signature, secret)",
                                        "construct_event(payload, signature, secret, tolerance=3600)"),
   "a Stripe signature older than 5 minutes is accepted", STRIPE_KILL)
py("stripe-wrong-secret", STRIPE, ("get_settings().stripe_webhook_secret", "get_settings().stripe_secret_key"),
   "webhooks are verified with the API key instead of the webhook signing secret", STRIPE_KILL)
py("stripe-not-verified", STRIPE, ("        stripe.Webhook.construct_event(payload, signature, secret)\n", ""),
   "the Stripe signature is not checked at all", STRIPE_KILL)

# --- reading limits and question validation ---------------------------------------------------------------------
LIMITS = "lib/mimi/readings/service.py:check_rate_limits"
py("reading-day-limit-removed", LIMITS,
   ('    ratelimit.enforce("readings_day", user_id, s.readings_per_day, DAY_S, fail_open=False)\n', ""),
   "there is no daily reading limit", READINGS + "test_the_61st_reading_of_the_day_is_429_and_spends_nothing")
py("reading-day-window-an-hour", LIMITS, ("DAY_S, fail_open", "3600, fail_open"),
   "the daily limit counts per hour", READINGS + "test_the_61st_reading_of_the_day_is_429_and_spends_nothing")
py("reading-minute-limit-too-high", LIMITS, ("s.readings_per_minute, 60", "s.readings_per_day, 60"),
   "the per-minute limit uses the daily number", READINGS + "test_sixth_reading_in_a_minute_is_429_and_spends_nothing")
py("reading-limits-fail-open", LIMITS, ("fail_open=False", "fail_open=True"),
   "readings go through (and cost money) when Redis is down",
   READINGS + "test_rate_limiter_down_is_503_and_spends_nothing")
py("rate-limit-always-fails-open", "lib/mimi/ratelimit.py:enforce", ("        if fail_open:\n            return\n",
                                                                     "        return\n"),
   "every limit fails open when Redis is down", READINGS + "test_rate_limiter_down_is_503_and_spends_nothing")
py("question-min-9", "lib/mimi/readings/schemas.py:ReadingCreate._clean_question",
   ("QUESTION_MIN <= len(value)", "QUESTION_MIN - 1 <= len(value)"), "a 9-character question passes validation",
   READINGS + "test_bad_questions_are_422_and_spend_nothing")
py("question-control-characters", "lib/mimi/readings/schemas.py:clean_text",
   ('unicodedata.category(ch) == "Cc"', 'ch == "\\x00"'), "control characters other than NUL pass validation",
   READINGS + "test_bad_questions_are_422_and_spend_nothing")
py("question-not-normalised", "lib/mimi/readings/schemas.py:clean_text",
   ('unicodedata.normalize("NFC", value).strip()', "value.strip()"),
   "question length is counted before NFC normalisation", READINGS + "test_length_counts_code_points_after_nfc")

# --- client idempotency keys -------------------------------------------------------------------------------------
py("idempotency-key-too-short", "lib/mimi/idempotency.py:client_key",
   ("not 8 <= len(header) <= 100", "not 1 <= len(header) <= 100"), "a 1-character Idempotency-Key is accepted",
   PAYMENTS + "test_intents_and_history_need_a_login")
py("intent-key-not-per-user", "lib/mimi/payments/service.py:idempotency_key",
   ('f"mimi-intent:{caller.user_id}:{', 'f"mimi-intent:{'),
   "the Stripe idempotency key is not scoped to the user: two users' taps collide",
   PAYMENTS + "test_the_same_idempotency_key_returns_the_same_intent")
