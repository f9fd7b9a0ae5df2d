"""Access mutants: refresh tokens, RLS, privileges, access and LINE tokens, QStash/Stripe verification, limits,
question validation and client idempotency keys."""

from __future__ import annotations

from tests.mutation.rules import (
    AUTH,
    PAYMENTS,
    PRIVATE,
    PRIVILEGE,
    PROCESSOR,
    PUBLIC_TABLES,
    READINGS,
    RLS,
    SQL_READINGS,
    TOKEN,
    WEBHOOK,
    append,
    py,
    sql,
    statement,
)

# --- refresh tokens (the rules live in private.rotate_refresh_token, which takes the clock; 0013) ------------------
ROTATE = "private.rotate_refresh_token"
SQL_REFRESH = "tests/sql/test_refresh_tokens.py::"
sql(
    "refresh-not-rotated",
    ROTATE,
    (
        "update private.refresh_tokens set used_at = p_now, successor_hash = p_new_hash where token_hash = p_old_hash;",
        "",
    ),
    "a used refresh token is not marked used: it works again and reuse goes unnoticed",
    SQL_REFRESH + "test_a_different_successor_inside_the_interval_is_reuse",
)
sql(
    "refresh-expiry-ignored",
    ROTATE,
    ("if t.expires_at <= p_now then", "if t.expires_at <= p_now - interval '30 days' then"),
    "an expired refresh token is accepted",
    AUTH + "test_an_expired_refresh_token_is_401_refresh_token_expired",
)
sql(
    "refresh-reuse-keeps-the-family",
    ROTATE,
    (
        "where family_id = t.family_id and revoked_at is null",
        "where token_hash = p_old_hash and revoked_at is null",
    ),
    "reusing a refresh token revokes only that token, not its family",
    SQL_REFRESH + "test_a_repeat_after_the_interval_revokes_the_family",
)
sql(
    "refresh-revoked-accepted",
    ROTATE,
    ("if not found or t.revoked_at is not null then", "if not found then"),
    "a revoked (logged out) refresh token still rotates",
    AUTH + "test_logout_revokes_the_session",
)

# --- Row Level Security: every policy -------------------------------------------------------------------------------
for table, policy, owner in [
    ("users", "Users can read their own profile", "(select auth.uid()) = id"),
    ("wallets", "Users can read their own wallet", "(select auth.uid()) = user_id"),
    ("ledger", "Users can read their own ledger rows", "(select auth.uid()) = user_id"),
    ("readings", "Users can read their own readings", "(select auth.uid()) = user_id and "),
    ("reading_reviews", "Users can read their own reviews", "(select auth.uid()) = user_id"),
]:
    statement(
        f"rls-{table}-readable-by-everyone",
        f'create policy "{policy}"',
        (owner, "true" if "and" not in owner else ""),
        f"the {table} policy lets any user read every user's rows",
        RLS.format(table),
    )
# 0036 rewrote the payments policy's condition (alter policy): its owner check is there now
statement(
    "rls-payments-readable-by-everyone",
    'alter policy "Users can read their own payments"',
    ("(select auth.uid()) = user_id and ", ""),
    "the payments policy lets any user read every user's payments",
    RLS.format("payments"),
)
statement(
    "rls-deleted-readings-visible",
    'create policy "Users can read their own readings"',
    (" and deleted_at is null", ""),
    "a user still reads their soft-deleted readings",
    SQL_READINGS + "test_users_see_only_their_own_undeleted_readings",
)
for table, policy in [
    ("app_settings", "Anyone can read the business settings"),
    ("cards", "Anyone can read the tarot cards"),
    ("packages", "Anyone can read the packages"),
]:
    statement(
        f"rls-{table}-not-for-anon",
        f'create policy "{policy}"',
        ("to anon, authenticated", "to authenticated"),
        f"{table} can no longer be read without a login",
        PUBLIC_TABLES.format(table),
    )

# --- privileges: every one that is revoked ----------------------------------------------------------------------------
SERVER_ONLY = [
    "spend_credit",
    "refund_credit",
    "grant_credit",
    "ledger_mismatches",
    "login_line_user",
    "revoke_refresh_family",
    "apply_stripe_event",
    "sweep_stale_readings",
]
# A new Supabase project grants the API roles nothing on what a migration creates (sql/local/0037), so weakening a
# function's own revoke changes nothing: the bug that matters is a later migration granting it (every overload).
GRANT_BACK = (
    "do $$ declare f regprocedure; begin for f in select oid::regprocedure from pg_catalog.pg_proc"
    " where pronamespace = 'public'::regnamespace and proname = '{fn}' loop"
    " execute format('grant execute on function %s to {role}', f); end loop; end $$;"
)
for fn in SERVER_ONLY:
    append(
        f"privilege-{fn}-for-users",
        f"public.{fn}",
        GRANT_BACK.format(fn=fn, role="authenticated"),
        f"a later migration makes {fn} (server only) callable with a user's token",
        PRIVILEGE.format(f"user:{fn}"),
    )
for fn in ["claim_reading", "fail_reading"]:
    append(
        f"privilege-{fn}-for-users",
        f"public.{fn}",
        GRANT_BACK.format(fn=fn, role="authenticated"),
        f"a later migration makes the processor's {fn} callable with a user's token",
        SQL_READINGS + "test_processor_functions_are_service_role_only",
    )
# recreated after 0012 without their cards parameter (0028), so they start closed: the bug is a grant back
for fn, signature in [
    ("complete_reading", "uuid, jsonb, jsonb, jsonb"),
    ("reject_reading", "uuid, jsonb, jsonb"),
]:
    append(
        f"privilege-{fn}-for-users",
        f"public.{fn}",
        f"grant execute on function public.{fn}({signature}) to authenticated;",
        f"a later migration makes the processor's {fn} callable with a user's token",
        SQL_READINGS + "test_processor_functions_are_service_role_only",
    )
for fn in [
    "exchange_coins",
    "daily_check_in",
    "referral_summary",
    "my_profile",
    "cancel_reading",
    "delete_reading",
    "review_reading",
    "reading_history",
    "record_payment_intent",
]:
    append(
        f"privilege-{fn}-for-anon",
        f"public.{fn}",
        GRANT_BACK.format(fn=fn, role="anon"),
        f"a later migration makes {fn} callable without a login",
        PRIVILEGE.format(f"anon:{fn}"),
    )
# Recreated after 0012 with a new signature, these start closed (0012's default privileges): the bug is a grant back.
for fn, signature in [
    ("update_profile", "text, text, boolean"),
    ("submit_reading", "text, text, text, text, text"),
    ("ask_follow_up", "uuid, text, text, text"),
]:
    append(
        f"privilege-{fn}-for-anon",
        f"public.{fn}",
        f"grant execute on function public.{fn}({signature}) to anon;",
        f"a later migration makes {fn} callable without a login",
        PRIVILEGE.format(f"anon:{fn}"),
    )
# Table writes are revoked twice (each table's own revoke, then 0012's bulk revoke for every API role): weakening
# either changes nothing. The bug that still matters is a later migration granting a write back.
for table, case in [
    ("users", "user:update-users"),
    ("wallets", "user:update-wallets"),
    ("app_settings", "user:update-app_settings"),
    ("cards", "user:update-cards"),
    ("packages", "user:update-packages"),
    ("readings", "user:update-readings"),
    ("reading_reviews", "user:update-reading_reviews"),
    ("payments", "user:update-payments"),
]:
    append(
        f"privilege-{table}-table-for-users",
        f"public.{table}",
        f"grant insert, update, delete on table public.{table} to authenticated;",
        f"a later migration lets users write {table} directly",
        PRIVILEGE.format(case),
    )
# Tables users never read directly: nothing grants them (sql/local/0037), so the bug is a later grant.
for table, case in [("referrals", "user:read-referrals"), ("app_meta", "user:read-app_meta")]:
    append(
        f"privilege-{table}-table-for-users",
        f"public.{table}",
        f"grant select on table public.{table} to authenticated;",
        f"a later migration lets users read {table} directly",
        PRIVILEGE.format(case),
    )
append(
    "privilege-ledger-writable-by-the-server",
    "public.ledger",
    "grant insert on table public.ledger to service_role;",
    "a later migration lets the service role write ledger rows directly, past the credit functions",
    PRIVILEGE.format("service:insert-ledger"),
)
append(
    "privilege-rotate_refresh_token-for-users",
    "public.rotate_refresh_token",
    "grant execute on function public.rotate_refresh_token(text, text, int) to authenticated;",
    "a later migration lets a user's token rotate refresh tokens (server only)",
    PRIVILEGE.format("user:rotate_refresh_token"),
)
append(
    "privilege-refresh_session-for-users",
    "public.refresh_session",
    "grant execute on function public.refresh_session(text, text, int) to authenticated;",
    "a later migration lets a user's token rotate refresh tokens through refresh_session (server only)",
    PRIVILEGE.format("user:refresh_session"),
)
statement(
    "privilege-readings-llm-columns",
    "grant select (id, user_id, question",
    ("completed_at, deleted_at)", "completed_at, deleted_at, prompt_tokens)"),
    "users can read the LLM bookkeeping of their readings",
    PRIVILEGE.format("user:read-readings-llm-columns"),
)
statement(
    "privilege-payments-flag-columns",
    "grant select (id, seq, user_id, package_id",
    ("created_at, updated_at)", "created_at, updated_at, flag_reason)"),
    "users can read the review flags on their payments",
    PRIVILEGE.format("user:read-payments-flag"),
)
statement(
    "privilege-private-functions",
    "revoke execute on all functions in schema private from",
    ("from public, anon, authenticated", "from anon"),
    "private functions stay executable by PUBLIC",
    PRIVATE,
)
statement(
    "privilege-private-payment-helpers",
    "revoke execute on function private.payment_json(",
    ("private.claw_back(uuid, integer, text, text), ", ""),
    "private.claw_back stays executable by PUBLIC",
    PRIVATE,
)
statement(
    "privilege-private-reading-helpers",
    "revoke execute on function private.end_with_refund(",
    ("from public", "from anon"),
    "private.end_with_refund stays executable by PUBLIC",
    PRIVATE,
)
# 0024 recreated private.profile_json after 0012, so it starts closed: the bug is a grant back
append(
    "privilege-private-login-helpers",
    "private.profile_json",
    "grant execute on function private.profile_json(uuid) to public;",
    "private.profile_json is executable by PUBLIC",
    PRIVATE,
)
statement(
    "privilege-private-schema-usage",
    "grant usage on schema private to",
    ("to service_role", "to service_role, authenticated"),
    "users may use the private schema",
    PRIVATE,
)
statement(
    "privilege-private-schema-for-the-server",
    "revoke usage on schema private from service_role",
    (
        "revoke usage on schema private from service_role",
        "grant usage on schema private to service_role",
    ),
    "the service role may use the private schema, past the public functions",
    PRIVATE,
)
# submit_reading was recreated after 0012 (a spread, then an idempotency key) and starts closed: the bug is a
# grant back
append(
    "privilege-user-functions-for-the-server",
    "public.submit_reading",
    "grant execute on function public.submit_reading(text, text, text, text, text) to service_role;",
    "the service role (no user of its own) can submit and pay for readings as any user it names",
    PRIVILEGE.format("service:submit_reading"),
)

# --- access tokens ----------------------------------------------------------------------------------------------------
TOKENS = "lib/mimi/auth/tokens.py:verify_access_token"
py(
    "token-any-issuer",
    TOKENS,
    ("issuer=s.app_jwt_issuer,", ""),
    "access tokens are accepted with any iss",
    TOKEN.format("wrong-iss"),
)
OPTIONS = 'options={"require": REQUIRED}'
py(
    "token-any-audience",
    TOKENS,
    (OPTIONS, 'options={"require": REQUIRED, "verify_aud": False}'),
    "access tokens are accepted with any aud",
    TOKEN.format("wrong-aud"),
)
py(
    "token-expiry-ignored",
    TOKENS,
    (OPTIONS, 'options={"require": REQUIRED, "verify_exp": False}'),
    "expired access tokens are accepted",
    TOKEN.format("expired"),
    AUTH + "test_expired_and_foreign_access_tokens_are_refused",
)
py(
    "token-any-role",
    TOKENS,
    ('claims.get("role") != ROLE', 'claims.get("role") not in (ROLE, "service_role")'),
    "an access token naming another role (service_role) is accepted",
    TOKEN.format("role-service_role"),
)
py(
    "token-alg-from-the-header",
    TOKENS,
    [
        ('if header.get("alg") == ALGORITHM\n        else None', ""),
        ("algorithms=[ALGORITHM]", 'algorithms=[str(header.get("alg"))]'),
    ],
    "the algorithm is taken from the token's own header",
    TOKEN.format("hs256-under-our-kid"),
)
py(
    "token-only-the-current-key",
    "lib/mimi/auth/tokens.py:Keyset.by_kid",
    (
        "return next((k for k in self.keys if k.key_id == kid), None)",
        "return self.signing if self.signing.key_id == kid else None",
    ),
    "after a key rotation, tokens signed by the previous key (by kid) are refused",
    TOKEN.format("signed-by-the-previous-key"),
)

# --- LINE ID tokens ---------------------------------------------------------------------------------------------------
LINE = "lib/mimi/auth/line.py:_decode"
LINE_KILL = AUTH + "test_bad_line_tokens_are_refused_with_401_and_their_own_code"
py(
    "line-any-audience",
    LINE,
    ('"aud"]}', '"aud"], "verify_aud": False}'),
    "a LINE token for another channel logs in",
    LINE_KILL,
)
py(
    "line-any-issuer",
    LINE,
    ("issuer=s.line_issuer,", ""),
    "a LINE token from another issuer logs in",
    LINE_KILL,
)
py(
    "line-expiry-ignored",
    LINE,
    ('"aud"]}', '"aud"], "verify_exp": False}'),
    "an expired LINE token logs in",
    LINE_KILL,
)
py(
    "line-any-subject",
    "lib/mimi/auth/line.py:verify_id_token",
    ('if not LINE_SUB.match(str(claims["sub"])):', 'if not claims["sub"]:'),
    "a LINE token whose sub is not a LINE user id is not refused",
    LINE_KILL,
)

# --- QStash and Stripe verification -------------------------------------------------------------------------------
QSTASH = "lib/mimi/readings/queue.py:verify"
QSTASH_KILL = PROCESSOR + "test_bad_signatures_are_401_and_nothing_changes"
py(
    "qstash-any-url",
    QSTASH,
    ("url=url)", "url=None)"),
    "a QStash signature made for another URL is accepted",
    QSTASH_KILL,
)
py(
    "qstash-own-url-without-its-path",
    "lib/mimi/app.py:own_url",
    ('path = event.get("rawPath") or _route_path(request.scope)', 'path = "/"'),
    "a function verifies QStash against its URL without the path: a job's signature opens /failed and /sweep",
    QSTASH_KILL,
)
# No QStash tolerance mutant: our code has no knob for it. The SDK's clock_tolerance is inert (it passes leeway
# inside PyJWT's options, which PyJWT ignores), and an expired signature fails the current key, then the next
# key with a plain signature error. The expired forgery stays in the kill test.
py(
    "qstash-next-key-ignored",
    QSTASH,
    (
        "s.qstash_next_signing_key.get_secret_value()",
        "s.qstash_current_signing_key.get_secret_value()",
    ),
    "deliveries signed with the next signing key (during a rotation) are refused",
    QSTASH_KILL,
)
STRIPE = "lib/mimi/payments/webhook.py:verify"
STRIPE_KILL = WEBHOOK + "test_bad_signatures_and_bodies_are_rejected_and_nothing_is_stored"
py(
    "stripe-tolerance-an-hour",
    STRIPE,
    (
        "construct_event(payload, signature, secret)",
        "construct_event(payload, signature, secret, tolerance=3600)",
    ),
    "a Stripe signature older than 5 minutes is accepted",
    STRIPE_KILL,
)
py(
    "stripe-wrong-secret",
    STRIPE,
    ("get_settings().stripe_webhook_secret", "get_settings().stripe_secret_key"),
    "webhooks are verified with the API key instead of the webhook signing secret",
    STRIPE_KILL,
)
py(
    "stripe-not-verified",
    STRIPE,
    ("        stripe.Webhook.construct_event(payload, signature, secret)\n", ""),
    "the Stripe signature is not checked at all",
    STRIPE_KILL,
)

# --- reading limits and question validation ---------------------------------------------------------------------
LIMITS = "lib/mimi/readings/service.py:check_rate_limits"
py(
    "reading-day-limit-removed",
    LIMITS,
    (
        '    ratelimit.enforce("readings_day", user_id, s.readings_per_day, DAY_S, fail_open=False)\n',
        "",
    ),
    "there is no daily reading limit",
    READINGS + "test_the_61st_reading_of_the_day_is_429_and_spends_nothing",
)
py(
    "reading-day-window-an-hour",
    LIMITS,
    ("DAY_S, fail_open", "3600, fail_open"),
    "the daily limit counts per hour",
    READINGS + "test_the_61st_reading_of_the_day_is_429_and_spends_nothing",
)
py(
    "reading-minute-limit-too-high",
    LIMITS,
    ("s.readings_per_minute, 60", "s.readings_per_day, 60"),
    "the per-minute limit uses the daily number",
    READINGS + "test_the_functions_own_limiter_refuses_the_sixth_before_sql_is_asked",
)
py(
    "reading-limits-fail-open",
    LIMITS,
    ("fail_open=False", "fail_open=True"),
    "readings go through (and cost money) when Redis is down",
    READINGS + "test_rate_limiter_down_is_503_and_spends_nothing",
)
py(
    "rate-limit-always-fails-open",
    "lib/mimi/ratelimit.py:enforce",
    ("        if fail_open:\n            return\n", "        return\n"),
    "every limit fails open when Redis is down",
    READINGS + "test_rate_limiter_down_is_503_and_spends_nothing",
)
py(
    "question-min-9",
    "lib/mimi/readings/schemas.py:question_text",
    ("QUESTION_MIN <= len(value)", "QUESTION_MIN - 1 <= len(value)"),
    "a 9-character question passes validation",
    "tests/readings/test_schemas.py::test_thai_vowels_and_tone_marks_still_count",
    READINGS + "test_bad_questions_are_422_and_spend_nothing",
)
py(
    "question-control-characters",
    "lib/mimi/readings/schemas.py:clean_text",
    ('unicodedata.category(ch) == "Cc"', 'ch == "\\x00"'),
    "control characters other than NUL pass validation",
    READINGS + "test_bad_questions_are_422_and_spend_nothing",
)
py(
    "question-not-normalised",
    "lib/mimi/readings/schemas.py:clean_text",
    ('unicodedata.normalize("NFC", value).strip()', "value.strip()"),
    "question length is counted before NFC normalisation",
    READINGS + "test_length_counts_code_points_after_nfc",
)

# --- client idempotency keys -------------------------------------------------------------------------------------
py(
    "idempotency-key-too-short",
    "lib/mimi/idempotency.py:client_key",
    ("not 8 <= len(header) <= 100", "not 1 <= len(header) <= 100"),
    "a 1-character Idempotency-Key is accepted",
    PAYMENTS + "test_a_bad_idempotency_key_is_422_before_stripe_is_asked",
)
py(
    "intent-key-not-per-user",
    "lib/mimi/payments/service.py:start_purchase",
    ('f"mimi-intent:{caller.user_id}:{', 'f"mimi-intent:{'),
    "the Stripe idempotency key is not scoped to the user: two users' taps collide",
    PAYMENTS + "test_the_same_idempotency_key_returns_the_same_intent",
)

# --- the local Realtime stand-in: who may join and hear a private topic (lib/mimi_local/realtime) ------------------
RT = "lib/mimi_local/realtime/"
RT_DELIVERY = "tests/local/realtime/test_delivery.py::"
RT_TOKENS = "tests/local/realtime/test_tokens.py::"
RT_WIRE = "tests/local/realtime/test_wire.py::"
py(
    "realtime-read-check-as-the-server",
    RT + "policies.py:Authorizer.read",
    ("            await conn.execute(_AS_USER_SQL, ctx.settings())\n", ""),
    "the probe rows are read back as the server, not the joining user: RLS never applies and anyone joins",
    RT_DELIVERY + "test_a_user_the_policy_does_not_allow_cannot_join_nor_receive",
)
py(
    "realtime-read-check-result-ignored",
    RT + "policies.py:Authorizer.read",
    ("probe_id in seen for", "True for"),
    "a private join is allowed whatever the SELECT policies say",
    RT_DELIVERY + "test_a_user_the_policy_does_not_allow_cannot_join_nor_receive",
    RT_DELIVERY + "test_the_anon_key_alone_cannot_join_a_private_topic",
)
py(
    "realtime-private-rows-to-public-joins",
    RT + "hub.py:Hub._dispatch",
    (
        "self._audience(topic, private)",
        "[*self._audience(topic, True), *self._audience(topic, False)]",
    ),
    "a private broadcast (a reading's text) reaches anyone who joins the topic without `private`",
    RT_DELIVERY + "test_a_public_join_needs_no_policy_and_gets_only_public_broadcasts",
)
py(
    "realtime-rows-to-every-topic",
    RT + "hub.py:Hub._dispatch",
    (
        "self._audience(topic, private)",
        "[s for key in list(self._joined) if key[1] == private for s in self._audience(*key)]",
    ),
    "a broadcast reaches the authorised joins of every topic, not only its own",
    RT_DELIVERY + "test_broadcasts_of_another_topic_are_not_received",
)
py(
    "realtime-expired-token-joins",
    RT + "tokens.py:_check_expiry",
    ("if exp <= now:", "if exp <= now - 3600:"),
    "an expired access token can still join",
    RT_TOKENS + "test_an_expired_token_cannot_join",
)
py(
    "realtime-unsigned-token-joins",
    RT + "tokens.py:TokenChecker._verify",
    (
        "return self._verifier.verified_claims(token)",
        'return dict(jwt.decode(token, options={"verify_signature": False}))',
    ),
    "a token's signature is not verified: anyone can claim to be the reading's owner",
    RT_TOKENS + "test_a_token_with_a_bad_signature_cannot_join",
)
py(
    "realtime-any-audience",
    RT + "tokens.py:TokenChecker.claims",
    ("check_claims(claims, now, self._audience)", "check_claims(claims, now, None)"),
    "a token minted for another audience joins",
    RT_TOKENS + "test_a_token_for_another_audience_cannot_join",
)
py(
    "realtime-expiry-not-enforced-while-joined",
    RT + "tokens.py:ExpiryTimer.schedule",
    ("exp - int(time.time())", "CONFIRM_TOKEN_EVERY_S"),
    "a joined channel keeps receiving after its token expired (until a 5-minute re-check)",
    RT_TOKENS + "test_a_token_that_expires_while_joined_ends_the_subscription",
)
py(
    "realtime-refresh-not-reauthorised",
    RT + "channel.py:Channel.refresh",
    ("        if self.private:\n", "        if False:\n"),
    "a refreshed token for another user keeps the channel and its broadcasts",
    RT_TOKENS + "test_a_refreshed_token_the_policy_refuses_ends_the_subscription",
    RT_WIRE + "test_a_channel_the_server_ended_receives_nothing_more",
)
py(
    "realtime-refresh-ignored",
    RT + "channel.py:Channel.handle",
    ('message.event == "access_token"', 'message.event == "access-token"'),
    "the access_token message is ignored: a refreshed app loses its reading at the first token's exp",
    RT_TOKENS + "test_a_refreshed_token_keeps_the_subscription_past_the_first_tokens_expiry",
)
py(
    "realtime-client-broadcast-without-insert-policy",
    RT + "channel.py:Channel._client_broadcast",
    ("if self.private and not await self._may_write():", "if False:"),
    "a client may send on a private topic (e.g. fake a reading's text) without the INSERT policy",
    RT_WIRE + "test_a_private_client_broadcast_without_the_insert_policy_is_dropped_without_an_ack",
)

# --- an admin who cannot deal for themselves, and leaves a trace (issue 22, 0034) ------------------------------------
FOUR_EYES = "tests/sql/test_admin_four_eyes.py::"
ADJUST_FN = "public.admin_adjust_credits"
sql(
    "admin-adjusts-own-wallet",
    ADJUST_FN,
    ("  perform private.refuse_own_wallet(admin, p_user_id);\n", ""),
    "an admin adds stars to their own wallet",
    FOUR_EYES + "test_an_admin_cannot_adjust_their_own_wallet",
)
sql(
    "admin-large-adjustment-without-approval",
    ADJUST_FN,
    ("> private.setting('admin_adjustment_approval_stars')", "> 1000000"),
    "one admin alone applies an adjustment of any size",
    FOUR_EYES + "test_a_large_adjustment_waits_for_a_second_admin_who_applies_it_once",
)
sql(
    "admin-approves-own-request",
    "public.admin_decide_adjustment",
    ("  if p_approve and r.requested_by = admin then", "  if false then"),
    "the admin who asked for an adjustment approves it themselves",
    FOUR_EYES + "test_a_large_adjustment_waits_for_a_second_admin_who_applies_it_once",
)
sql(
    "admin-approval-without-row-lock",
    "public.admin_decide_adjustment",
    ("where id = p_request_id for update;", "where id = p_request_id;"),
    "two admins approving at once both go through (the second is not told it was already approved)",
    FOUR_EYES + "test_two_admins_approving_at_once_apply_it_once",
)
sql(
    "admin-user-readings-untraced",
    "public.admin_user_readings",
    ("if exists (select 1 from public.users where id = p_user_id) then", "if false then"),
    "an admin reads a user's questions and leaves no trace",
    FOUR_EYES + "test_reading_a_users_questions_leaves_an_audit_row_without_content",
)
sql(
    "admin-reading-lists-untraced",
    "public.admin_readings",
    (
        "from jsonb_array_elements(shown) e) s;",
        "from jsonb_array_elements(shown) e where false) s;",
    ),
    "the stuck and failed lists show questions and leave no trace",
    FOUR_EYES + "test_reading_a_users_questions_leaves_an_audit_row_without_content",
)
py(
    "admin-guard-after-validation",
    "lib/mimi/app.py:Api._inputs",
    ("guarded = route.auth and self.router.guard is not None", "guarded = False"),
    "a non-admin hears 400/422 about their input before 403 (the admin routes' shapes leak)",
    "tests/functions/test_admin_access.py::test_a_non_admin_gets_403_before_anything_of_the_request_is_read"
    "[POST /users/{user_id}/adjustments]",
)
