"""Hardening mutants (issue 11, migrations 0011-0017, and 0027): limits in SQL, one refund per spend, idempotency
parameters, frozen exchanges, the refresh reuse interval, account deletion, cursors, question cleaning (in Python and
in SQL), invalid Stripe events, least privilege and the owner-only legacy import."""

from __future__ import annotations

from tests.mutation.rules import PAYMENTS, SQL_CREDITS, SQL_PAYMENTS, append, py, sql, statement

LIMITS = "tests/sql/test_limits.py::"
REFRESH = "tests/sql/test_refresh_tokens.py::"
PRIVACY = "tests/sql/test_privacy.py::"
LEAST = "tests/sql/test_least_privilege.py::"
SCHEMAS = "tests/readings/test_schemas.py::"
BAD_INPUT = "tests/functions/test_bad_input.py::"

# --- per-user limits in SQL: they hold however the database is reached ----------------------------------------------
READING_LIMITS = "private.check_reading_limits"
sql(
    "sql-reading-minute-limit-is-the-day-number",
    READING_LIMITS,
    ("private.setting('readings_per_minute')", "private.setting('readings_per_day')"),
    "submit_reading allows 60 readings a minute to a direct rpc",
    LIMITS + "test_sixth_reading_in_a_minute_is_refused_in_sql_and_spends_nothing",
)
sql(
    "sql-reading-day-window-an-hour",
    READING_LIMITS,
    ("interval '1 day'", "interval '1 hour'"),
    "the SQL daily reading limit counts only the last hour",
    LIMITS + "test_the_daily_limit_counts_the_last_24_hours",
)
sql(
    "sql-reading-limits-skip-deleted",
    READING_LIMITS,
    (
        "where user_id = p_user and created_at > now() - interval '1 minute';",
        "where user_id = p_user and created_at > now() - interval '1 minute' and deleted_at is null;",
    ),
    "deleting a reading frees its place in the minute limit (submit + delete cycles have no limit)",
    LIMITS + "test_cancelled_and_deleted_readings_still_count",
)
sql(
    "sql-reading-limits-without-wallet-lock",
    READING_LIMITS,
    ("perform 1 from public.wallets where user_id = p_user for update;\n", ""),
    "the limits count without the wallet lock: concurrent submissions all see room and all pass",
    LIMITS + "test_concurrent_submissions_cannot_beat_the_limit",
)
sql(
    "sql-reading-limits-not-checked",
    "public.submit_reading",
    ("perform private.check_reading_limits(uid);", ""),
    "a direct rpc to submit_reading has no reading limit",
    LIMITS + "test_sixth_reading_in_a_minute_is_refused_in_sql_and_spends_nothing",
)
sql(
    "sql-limit-off-by-one",
    "private.enforce_rate",
    ("if p_count >= p_max then", "if p_count > p_max then"),
    "every SQL limit lets one more through (a sixth reading in a minute)",
    LIMITS + "test_sixth_reading_in_a_minute_is_refused_in_sql_and_spends_nothing",
)
PAYMENT_LIMITS = "private.check_payment_limits"
sql(
    "sql-payment-minute-limit-is-the-day-number",
    PAYMENT_LIMITS,
    ("private.setting('payment_intents_per_minute')", "private.setting('payment_intents_per_day')"),
    "invented PaymentIntents are limited to 50 a minute instead of 10",
    LIMITS + "test_invented_payment_intents_are_limited_per_minute_but_a_retry_still_answers",
)
sql(
    "sql-payment-day-window-an-hour",
    PAYMENT_LIMITS,
    ("interval '1 day'", "interval '1 hour'"),
    "the daily payment limit counts only the last hour",
    LIMITS + "test_payment_intents_are_limited_per_day",
)
sql(
    "sql-payment-limits-not-checked",
    "public.record_payment_intent",
    ("perform private.check_payment_limits(uid);", ""),
    "record_payment_intent creates pending payments without limit",
    LIMITS + "test_invented_payment_intents_are_limited_per_minute_but_a_retry_still_answers",
)

# --- one refund per spend, idempotency parameters, frozen exchanges ---------------------------------------------
sql(
    "refund-twice-per-spend",
    "private.refund",
    ("and refunded_by is null", ""),
    "a spend refunded under a second refund key is refunded again",
    SQL_CREDITS + "test_a_spend_is_refunded_once_whatever_the_refund_key",
)
PARAMS_OP = "private.begin_op(p_key text, p_user uuid, p_kind text, p_params jsonb)"
sql(
    "idempotency-params-ignored",
    PARAMS_OP,
    (
        "elsif op.params is distinct from p_params and op.params is not null then",
        "elsif false then",
    ),
    "a key reused with other parameters silently replays the first result instead of 422",
    SQL_CREDITS + "test_exchange_key_reused_with_other_stars_is_422_and_changes_nothing",
)
sql(
    "idempotency-params-no-replay",
    PARAMS_OP,
    ("return coalesce(op.result, '{}'::jsonb) || '{\"replayed\": true}'::jsonb;", "return null;"),
    "a retried exchange (same key, same stars) runs again instead of answering the first result",
    SQL_CREDITS + "test_exchange_250_coins_for_2_stars_leaves_50",
)
sql(
    "intent-key-params-not-stored",
    "public.record_payment_intent",
    ("jsonb_build_object('package_id', pkg.id)", "null"),
    "a payment key reused for another package is accepted by SQL",
    SQL_PAYMENTS + "test_record_with_a_key_reused_for_another_package_is_422",
)
py(
    "intent-key-not-sent-to-sql",
    "lib/mimi/payments/repository.py:record_intent",
    ('"p_idempotency_key": key,', '"p_idempotency_key": None,'),
    "once Stripe has forgotten a key (24 h) it buys another package",
    PAYMENTS + "test_a_key_stripe_has_forgotten_is_still_refused_for_another_package",
)
sql(
    "exchange-while-frozen",
    "public.exchange_coins",
    ("if w.frozen then", "if false then"),
    "a frozen wallet (open dispute) still exchanges coins",
    SQL_CREDITS + "test_exchange_is_refused_while_the_wallet_is_frozen",
)

# --- refresh reuse interval ----------------------------------------------------------------------------------------
ROTATE = "private.rotate_refresh_token"
sql(
    "refresh-reuse-window-forever",
    ROTATE,
    (" and p_now < t.used_at + make_interval(secs => reuse_s)", ""),
    "a used refresh token returns its successor forever: a stolen old token is never detected",
    REFRESH + "test_a_repeat_after_the_interval_revokes_the_family",
)
sql(
    "refresh-reuse-any-successor",
    ROTATE,
    ("t.successor_hash = p_new_hash and ", ""),
    "inside the interval a used token is accepted with any successor (the thief's)",
    REFRESH + "test_a_different_successor_inside_the_interval_is_reuse",
)
sql(
    "refresh-no-reuse-interval",
    ROTATE,
    ("coalesce(private.setting('refresh_reuse_interval_s'), 0)", "0"),
    "two tabs refreshing at once revoke the session (no reuse interval)",
    REFRESH + "test_a_repeat_inside_the_interval_returns_the_same_successor_and_revokes_nothing",
)

# --- account deletion and returning accounts ------------------------------------------------------------------------
ERASE = "private.erase_user"
sql(
    "deletion-keeps-readings",
    ERASE,
    ("  delete from public.readings where user_id = p_user;\n", ""),
    "a deleted account's questions and readings are kept",
    PRIVACY + "test_delete_erases_the_person_and_keeps_the_books",
)
sql(
    "deletion-keeps-billing-details",
    ERASE,
    ("set payload = private.redacted_stripe_payload(e.payload)", "set payload = e.payload"),
    "a deleted account's billing name and e-mail stay in the stored Stripe events",
    PRIVACY + "test_delete_erases_the_person_and_keeps_the_books",
)
sql(
    "deletion-forgets-the-line-id",
    ERASE,
    (
        "insert into private.deleted_line_accounts (line_hash) values (private.line_account_hash(p_line_user_id))\n"
        "  on conflict (line_hash) do nothing;",
        "",
    ),
    "deleting the account forgets the LINE id: coming back pays the welcome bonus again",
    PRIVACY + "test_a_returning_line_account_is_a_new_user_with_no_bonus_and_no_referral",
)
sql(
    "deletion-keeps-queued-credit",
    "private.end_readings_in_flight",
    ("status in ('queued', 'processing', 'writing')", "status in ('processing', 'writing')"),
    "a reading still queued at deletion is erased without its refund",
    PRIVACY + "test_delete_erases_the_person_and_keeps_the_books",
)
sql(
    "deleted-token-accepted",
    "private.require_uid",
    ("if gone is not null then", "if false then"),
    "a deleted account's still-valid access token keeps working",
    PRIVACY + "test_a_deleted_users_token_reads_and_writes_nothing",
)
# The wallet, ledger and payments policies read public.users through its own policy, so only this one matters.
statement(
    "deleted-user-reads-the-profile",
    'create policy "Deleted users can read nothing of their profile"',
    ("using (deleted_at is null)", "using (true)"),
    "a deleted account's token still reads its profile row, wallet, ledger and payments",
    PRIVACY + "test_a_deleted_users_token_reads_and_writes_nothing",
)
sql(
    "returning-account-gets-the-bonus",
    "public.login_line_user",
    ("if created and returning_account then", "if false then"),
    "a LINE account that deleted its user gets the welcome bonus again",
    PRIVACY + "test_a_returning_line_account_is_a_new_user_with_no_bonus_and_no_referral",
)
RACED_EDIT = (
    PRIVACY + "test_a_profile_edit_that_waited_for_the_deletion_is_refused_as_account_deleted[{}]"
)
sql(
    "deletion-raced-by-a-notification-switch",
    "public.set_line_notifications",
    ("where id = uid and deleted_at is null;", "where id = uid;"),
    "a LINE switch that waited for the deletion writes the erased row and answers a nameless profile (a 500)",
    RACED_EDIT.format("public.set_line_notifications(false)"),
)
sql(
    "deletion-raced-by-a-profile-edit",
    "public.update_profile",
    ("where id = uid and deleted_at is null;", "where id = uid;"),
    "a profile edit that waited for the deletion writes the erased row and answers a nameless profile (a 500)",
    RACED_EDIT.format("public.update_profile('Nok', 'en', false)"),
)

py(
    "sentry-keeps-the-request-url",
    "lib/mimi/error_reporting.py:without_request",
    ('event["request"] = {"method": request.get("method")}', "pass"),
    "a 500 on /shared/{token} sends the share link's token to Sentry in the request URL",
    "tests/lib/test_error_reporting.py::test_an_event_keeps_only_its_requests_method",
)

# --- bad input never yields a 5xx ------------------------------------------------------------------------------------
SEQ_CURSOR = "lib/mimi/pagination.py:decode_seq_cursor"
CURSOR_KILL = "tests/lib/test_pagination.py::test_a_seq_cursor_is_ascii_digits_within_a_bigint"
CURSOR_HTTP = "tests/functions/test_cursors.py::test_foreign_digit_and_out_of_range_cursors_are_422"
py(
    "cursor-foreign-digits",
    SEQ_CURSOR,
    ("position.isascii() and ", ""),
    "a cursor of Thai digits reaches Postgres (503 try again instead of 422)",
    CURSOR_KILL,
    CURSOR_HTTP,
)
py(
    "cursor-beyond-bigint",
    SEQ_CURSOR,
    (" and int(position) <= MAX_SEQ", ""),
    "a cursor above 2^63-1 reaches Postgres (503 try again instead of 422)",
    CURSOR_KILL,
    CURSOR_HTTP,
)
ROUTING = "tests/functions/test_routing.py::"
UNSTORABLE_KILL = (
    ROUTING + "test_text_the_database_cannot_store_is_422_at_its_field_and_spends_nothing[{}]"
)
py(
    "unstorable-text-reaches-the-database",
    "lib/mimi/web.py:unstorable",
    ("if UNSTORABLE.search(value) is None:", "if True:"),
    "a NUL or an unpaired surrogate reaches Postgres or the HTTP client (503 or 500 instead of 422)",
    UNSTORABLE_KILL.format("nul-in-the-question"),
    UNSTORABLE_KILL.format("surrogate-in-the-question"),
)
py(
    "database-data-exception-is-an-outage",
    "lib/mimi/db.py:to_app_error",
    ("if sqlstate.startswith(DATA_EXCEPTION):", "if False:"),
    "a value Postgres refuses (class 22) answers 503 try again instead of 422",
    ROUTING + "test_a_value_postgres_refuses_past_the_api_is_422_unstorable_input",
)
QUESTION_KILL = SCHEMAS + "test_invisible_or_letterless_questions_are_refused"
py(
    "question-format-characters-count",
    "lib/mimi/readings/schemas.py:visible_text",
    ('unicodedata.category(ch) != "Cf"', "True"),
    "zero-width characters count towards a question's length: an invisible question is charged and read",
    QUESTION_KILL,
)
QUESTION_SQL = "tests/sql/test_question_text.py::"
sql(
    "sql-question-format-characters-count",
    "private.question_text",
    (", '', 'g')", ", '', '')"),
    "a direct rpc pays for a question padded with zero-width characters (only the first is removed)",
    QUESTION_SQL
    + "test_submit_refuses_a_question_padded_with_what_nobody_sees[zero-width-padding]",
)
sql(
    "sql-question-counted-raw",
    "private.valid_question",
    ("question text := private.question_text(p_question);", "question text := trim(p_question);"),
    "questions are counted with their invisible characters again (a direct rpc charges an unreadable one)",
    QUESTION_SQL
    + "test_submit_refuses_a_question_padded_with_what_nobody_sees[hidden-padding-thai]",
)
py(
    "question-without-letters",
    "lib/mimi/readings/schemas.py:question_text",
    ('if not any(unicodedata.category(ch).startswith("L") for ch in value):', "if False:"),
    "a question of digits or punctuation only is accepted",
    QUESTION_KILL,
)
STRIPE_INVALID = (
    BAD_INPUT + "test_signed_stripe_events_with_impossible_values_are_stored_flagged_and_200"
)
py(
    "stripe-invalid-event-applied",
    "lib/mimi/payments/webhook.py:process",
    ("if reason is not None:", "if False:"),
    "an event that can never apply is applied anyway: 503, and Stripe retries it for days",
    STRIPE_INVALID,
)
py(
    "stripe-nul-not-detected",
    "lib/mimi/payments/webhook.py:unusable_reason",
    ('    if _has_nul(body):\n        return "nul_character"\n', ""),
    "an event with a NUL character is applied: jsonb refuses it, 503, retried for days",
    STRIPE_INVALID,
)
sql(
    "stripe-invalid-event-flags-nothing",
    "public.record_invalid_stripe_event",
    ("where payment_intent_id = pi;", "where payment_intent_id = o ->> 'id';"),
    "an invalid charge event flags no payment (it looks the payment up by the charge id)",
    STRIPE_INVALID,
)

# --- least privilege (0012) and the owner-only legacy import (0017) --------------------------------------------------
# A new Supabase project grants the API roles nothing on what a migration creates (sql/local/0037 replays that),
# so weakening these revokes changes nothing: the bug that matters is the statement granting instead.
statement(
    "privilege-tables-writable-by-the-server",
    "revoke insert, update, delete, truncate, references, trigger on all tables in schema public",
    (
        "revoke insert, update, delete, truncate, references, trigger on all tables in schema public\n"
        "  from anon, authenticated, service_role",
        "grant insert, update, delete on all tables in schema public to service_role",
    ),
    "the service role may write money tables directly (stars with no ledger row)",
    LEAST + "test_service_role_cannot_write_money_tables_directly",
)
statement(
    "privilege-sequences-for-users",
    "revoke all on all sequences in schema public",
    (
        "revoke all on all sequences in schema public from anon, authenticated, service_role",
        "grant all on all sequences in schema public to authenticated",
    ),
    "a user's token may setval the ledger sequence and break every later credit operation",
    LEAST + "test_no_api_role_may_touch_a_sequence",
)
statement(
    "privilege-new-tables-open",
    "alter default privileges in schema public revoke all on tables",
    (
        "alter default privileges in schema public revoke all on tables from anon, authenticated, service_role",
        "alter default privileges in schema public grant all on tables to authenticated",
    ),
    "tables created later start open to users",
    LEAST + "test_objects_created_later_start_closed",
)
statement(
    "privilege-new-functions-for-public",
    "alter default privileges revoke execute on functions from public",
    ("revoke execute on functions from public", "grant execute on functions to public"),
    "functions created later start executable by everyone",
    LEAST + "test_objects_created_later_start_closed",
)
sql(
    "privilege-graphql-functions-open",
    "private.close_graphql",
    (
        "      execute format('revoke all on all functions in schema %I from public, anon, authenticated, "
        "service_role', s);\n",
        "",
    ),
    "GraphQL's functions stay callable by every API role",
    LEAST + "test_graphql_is_closed_where_it_exists",
)
LEGACY = "tests/ops/legacy_import/test_import.py::test_no_api_role_may_import[{}]"
append(
    "privilege-import_legacy_user-for-the-server",
    "public.import_legacy_user",
    "grant execute on function public.import_legacy_user(jsonb) to service_role;",
    "the service role (every function's key) can import users with any balance",
    LEGACY.format("service_role"),
)
append(
    "privilege-legacy_import_totals-for-users",
    "public.legacy_import_totals",
    "grant execute on function public.legacy_import_totals() to authenticated;",
    "any user can read the balance totals of every wallet",
    LEGACY.format("authenticated"),
)

# --- deletion forgets everywhere, and the export is complete and bounded (issue 22, 0032, 0035) ---------------------
FORGET = "tests/sql/test_forgetting.py::"
IMPORT_RULES = "tests/ops/legacy_import/test_import_rules.py::"
ACCOUNT_API = "tests/functions/test_account_privacy.py::"
sql(
    "audit-keeps-the-question",
    "private.audit_reading_json",
    ("- 'question' - 'header'", "- 'header'"),
    "an admin's retry or refund keeps the user's question in the append-only audit, after deletion too",
    FORGET + "test_admin_actions_on_a_reading_audit_its_id_and_status_never_its_question",
)
sql(
    "late-stripe-event-kept-whole",
    "private.redact_stripe_event_of_deleted_user",
    ("new.payload := private.redacted_stripe_payload(new.payload);", "null;"),
    "a refund, dispute or reconciled payment arriving after deletion stores the billing name and e-mail",
    FORGET + "test_stripe_events_arriving_after_deletion_are_stored_redacted",
    FORGET + "test_an_intent_the_reconciliation_applies_after_deletion_is_stored_redacted",
)
sql(
    "erasure-keeps-the-old-apps-id",
    ERASE,
    ("  delete from private.legacy_users where user_id = p_user;\n", ""),
    "a deleted account stays linked to its old-app user id",
    FORGET + "test_erasure_removes_the_link_from_the_old_apps_id",
)
sql(
    "legacy-import-brings-a-deleted-account-back",
    "public.import_legacy_user",
    ("return jsonb_build_object('account', 'skipped_deleted');", "null;"),
    "a legacy import after a deletion recreates the person's LINE id, name, questions and balances",
    IMPORT_RULES + "test_an_account_deleted_here_is_never_brought_back_by_an_import",
)
sql(
    "export-shows-the-whole-share-hash",
    "private.account_export_more",
    ("left(s.token_hash, 8)", "s.token_hash"),
    "the export hands out each link's full stored hash",
    FORGET + "test_export_holds_share_links_admin_actions_and_the_old_apps_id",
)
sql(
    "export-names-the-admin",
    "private.account_export_more",
    (
        "jsonb_build_object('action', a.action,",
        "jsonb_build_object('admin', a.admin_id, 'action', a.action,",
    ),
    "the export tells the user which admin acted on their account",
    FORGET + "test_export_holds_share_links_admin_actions_and_the_old_apps_id",
)
sql(
    "export-unlimited-in-sql",
    "public.export_my_data",
    ("  perform private.check_export_limit(uid);\n", ""),
    "a direct rpc exports a user's whole history as often as it likes",
    FORGET + "test_a_fourth_export_in_an_hour_is_refused_in_sql_and_not_recorded",
)
py(
    "export-unlimited-in-redis",
    "lib/mimi/profile/service.py:export",
    (
        '    enforce("exports", caller.user_id, get_settings().exports_per_hour, 3600, fail_open=True)\n',
        "",
    ),
    "every export reaches the database: Redis no longer answers first",
    ACCOUNT_API + "test_export_lists_share_links_and_admin_actions_and_is_limited_in_redis_first",
)

# --- share links that only the link opens (0033) ---------------------------------------------------------------------
SHARES = "tests/sql/test_shares.py::"
SHARING_API = "tests/functions/test_sharing.py::"
sql(
    "share-opened-by-its-stored-hash",
    "sharing.reading_by_token",
    (
        "where s.token_hash = encode(pg_catalog.sha256(convert_to(p_token, 'UTF8')), 'hex')",
        "where s.token_hash = p_token",
    ),
    "the public view opens with the stored hash (a database dump opens every link), not the raw token",
    SHARES + "test_anon_opens_a_link_with_its_raw_token_and_never_with_the_stored_hash",
)
append(
    "share-view-security-definer-for-anon",
    "public.shared_reading",
    "alter function public.shared_reading(text) security definer;",
    "anon can run a SECURITY DEFINER function through /rest/v1/rpc again (splinter 0028)",
    "tests/sql/test_supabase_lints.py::test_splinter_0028_finds_only_the_health_probe_executable_by_anon",
)
py(
    "share-token-in-the-access-log",
    "lib/mimi/app.py:Api.__call__",
    ('route=scope.get(ROUTE_KEY, "-"),', "route=request.url.path,"),
    "every view of a shared link writes its token to the log",
    "tests/lib/test_app.py::test_the_access_log_names_the_route_template_never_the_path_values",
    SHARING_API + "test_opening_a_link_never_writes_its_token_to_the_log",
)
py(
    "share-view-cacheable",
    "lib/mimi/app.py:Api._render",
    ("for name, value in route.response_headers:", "for name, value in ():"),
    "the public view is cacheable and sends its URL (the token) as a referrer",
    SHARING_API + "test_only_the_raw_token_opens_the_view_which_no_one_may_cache",
)
SHARE_LIMITS = "private.check_share_limits"
sql(
    "share-limit-per-reading-is-the-user-number",
    SHARE_LIMITS,
    (
        "private.setting('shares_per_reading_per_hour')",
        "private.setting('shares_per_user_per_hour')",
    ),
    "one reading gets 20 links an hour by revoking and re-creating",
    SHARES + "test_a_reading_gets_five_links_an_hour_revoked_ones_included",
)
sql(
    "share-limit-per-user-counts-one-reading",
    SHARE_LIMITS,
    (
        "where r.user_id = p_user and s.created_at > now() - interval '1 hour';",
        "where r.user_id = p_user and s.created_at > now() - interval '1 hour' and s.reading_id = p_reading;",
    ),
    "a user makes links without limit by spreading them over readings",
    SHARES + "test_a_user_gets_a_limited_number_of_links_an_hour_across_readings",
)
sql(
    "share-limits-not-checked",
    "public.share_reading",
    ("  perform private.check_share_limits(uid, p_id);\n", ""),
    "a direct rpc makes share links without limit (revoke and re-create)",
    SHARES + "test_a_reading_gets_five_links_an_hour_revoked_ones_included",
    SHARING_API + "test_revoking_and_recreating_links_is_limited_per_reading",
)
sql(
    "revoked-shares-kept-for-ever",
    "public.share_reading",
    ("  perform private.purge_revoked_shares();\n", ""),
    "revoked share rows are never purged",
    SHARES + "test_revoked_links_are_purged_a_day_after_their_revocation",
)
py(
    "share-redis-limit-missing",
    "lib/mimi/sharing/service.py:create",
    (
        '    enforce("shares", caller.user_id, get_settings().shares_per_hour, 3600, fail_open=True)\n',
        "",
    ),
    "every new link reaches the database: Redis no longer answers first",
    SHARING_API + "test_a_user_making_links_is_limited_in_redis_first",
)

# --- the legacy import refuses what the API refuses (0035) ----------------------------------------------------------
REFUSED_ROWS = (
    IMPORT_RULES + "test_rows_the_api_would_refuse_are_reported_one_by_one_and_the_rest_imported"
)
sql(
    "legacy-question-not-checked",
    "private.legacy_reading",
    (
        "question text := private.legacy_question(r ->> 'question');",
        "question text := left(trim(r ->> 'question'), 500);",
    ),
    "an old question with control characters, or over 500 characters (cut), is imported",
    REFUSED_ROWS,
)
sql(
    "legacy-future-reading-accepted",
    "private.legacy_reading_problem",
    ("when private.in_future(r ->> 'created_at') or ", "when "),
    "an old reading dated in the future is imported and holds a place in the daily limit for ever",
    REFUSED_ROWS,
)
sql(
    "legacy-answer-uncapped",
    "private.legacy_reading_problem",
    ("> 20000", "> 20000000"),
    "an old answer of any size is imported",
    REFUSED_ROWS,
)
sql(
    "legacy-future-payment-accepted",
    "private.legacy_payment",
    ("elsif at > now() then", "elsif false then"),
    "an old payment dated in the future is imported",
    REFUSED_ROWS,
)
sql(
    "legacy-name-with-bidi-accepted",
    "private.legacy_check",
    (" or private.has_hidden_controls(u ->> 'name')", ""),
    "an old name with bidi or control characters (a spoofed name) is imported",
    REFUSED_ROWS,
)

# --- refresh replay two rotations old; unconfirmed payments leave the history (0036) --------------------------------
sql(
    "refresh-replay-two-rotations-old-accepted",
    ROTATE,
    (
        "\n       and exists (select 1 from private.refresh_tokens s where s.token_hash = t.successor_hash"
        " and s.used_at is null)",
        "",
    ),
    "a stolen token two rotations old, replayed inside the 10 s window, gets a session",
    REFRESH + "test_a_token_two_rotations_old_is_a_replay_even_inside_the_interval",
    "tests/functions/test_auth.py::test_a_refresh_token_two_rotations_old_is_refused_even_inside_the_reuse_interval",
)
statement(
    "unconfirmed-payment-in-history-for-ever",
    'alter policy "Users can read their own payments"',
    ("status <> 'pending' or ", "true or "),
    "a payment recorded for an invented PaymentIntent stays in the user's history for ever",
    "tests/sql/test_unconfirmed_payments.py::test_an_invented_payment_intent_leaves_the_users_history_after_a_day",
    PAYMENTS + "test_a_payment_intent_this_app_never_created_leaves_the_history_a_day_later",
)
