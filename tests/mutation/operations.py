"""Operations mutants (issue 25): the admin never for themselves (0042) and their Idempotency-Keys and audit, LINE
pushes claimed once (0024), the nightly reconciliation (0020) and the legacy import's keys and referrals (0017)."""

from __future__ import annotations

from tests.mutation.rules import append, sql, statement

RULES = "tests/sql/test_admin_rules.py::"
OWN = RULES + "test_an_admin_never_acts_on_their_own_account[{}]"
FOUR_EYES = "tests/sql/test_admin_four_eyes.py::"
ADMIN_API = "tests/functions/test_admin.py::"
PUSH = "tests/sql/test_line_push.py::"
RECONCILE = "tests/sql/test_reconcile.py::"
LEGACY = "tests/ops/legacy_import/test_import.py::"
SKIP_RULE = ("  perform private.refuse_own_wallet(admin, {}.user_id);\n", "")

# --- an admin never acts on their own account (0042: one rule, every action) ---------------------------------------
for name, function, bug, case in (
    (
        "admin-credits-own-flagged-payment",
        "public.admin_resolve_payment",
        "an admin credits the stars of their own flagged payment",
        "credit_own_payment",
    ),
    (
        "admin-retries-own-reading",
        "public.admin_retry_reading",
        "an admin re-queues their own refunded reading: a free model call",
        "retry_own_reading",
    ),
    (
        "admin-refunds-own-reading",
        "public.admin_refund_reading",
        "an admin refunds their own reading",
        "refund_own_reading",
    ),
):
    target = "p" if function.endswith("payment") else "r"
    sql(
        name,
        function,
        (SKIP_RULE[0].format(target), ""),
        bug,
        OWN.format(case),
    )
sql(
    "admin-unfreezes-own-wallet",
    "public.admin_set_frozen",
    ("  perform private.refuse_own_wallet(admin, p_user_id);\n", ""),
    "an admin frozen by another admin unfreezes their own wallet",
    OWN.format("unfreeze_own_wallet"),
    "tests/functions/test_admin_four_eyes.py::"
    "test_an_admin_cannot_unfreeze_their_own_wallet_or_refund_their_own_reading",
)
sql(
    "admin-decides-on-own-wallet",
    "public.admin_decide_adjustment",
    (SKIP_RULE[0].format("r"), ""),
    "an admin approves (or rejects) another admin's adjustment of their own wallet",
    FOUR_EYES + "test_a_rejected_request_changes_nothing_and_the_user_of_a_request_cannot_decide",
)

# --- adjustments: the key holds its currency and amount, and every one has its audit row ---------------------------
sql(
    "adjustment-key-ignores-currency-and-amount",
    "private.apply_adjustment",
    (
        "jsonb_build_object('currency', r.currency,\n    'delta', r.delta, 'clawback'",
        "jsonb_build_object('clawback'",
    ),
    "an Idempotency-Key reused for another currency or amount replays the first adjustment instead of 422",
    RULES + "test_an_adjustment_key_reused_for_another_currency_or_amount_is_refused_not_replayed",
    ADMIN_API + "test_an_adjustment_is_an_audited_ledger_row_once_per_key",
)
sql(
    "adjustment-request-key-ignores-currency",
    "private.request_adjustment",
    (
        "(r.user_id, r.currency, r.delta, r.clawback, r.reason)",
        "(r.user_id, stored.currency, r.delta, r.clawback, r.reason)",
    ),
    "a pending request's key reused for another currency replays the request instead of 422",
    RULES + "test_a_pending_requests_key_reused_for_another_currency_is_refused",
)
sql(
    "adjustment-without-audit",
    "private.apply_adjustment",
    (
        "then r.id end));",
        "then r.id end)) where false;",
    ),
    "an adjustment changes a balance and writes no audit row",
    RULES + "test_an_adjustment_key_reused_for_another_currency_or_amount_is_refused_not_replayed",
    ADMIN_API + "test_an_adjustment_is_an_audited_ledger_row_once_per_key",
)

# --- the audit: append-only for everyone ----------------------------------------------------------------------------
AUDIT_TRIGGER = "create trigger admin_audit_append_only"
NOBODY = RULES + "test_nobody_may_change_or_remove_an_audit_row[{}]"
for name, kept, bug, case in (
    (
        "audit-rows-updatable",
        "before delete or truncate",
        "an audit row can be rewritten",
        "owner-update",
    ),
    (
        "audit-rows-deletable",
        "before update or truncate",
        "an audit row can be deleted",
        "owner-delete",
    ),
    (
        "audit-truncatable",
        "before update or delete",
        "the whole audit can be truncated",
        "owner-truncate",
    ),
):
    statement(
        name, AUDIT_TRIGGER, ("before update or delete or truncate", kept), bug, NOBODY.format(case)
    )
append(
    "privilege-admin-audit-for-the-server",
    "private.admin_audit",
    "grant usage on schema private to service_role;\n"
    "grant update, delete on table private.admin_audit to service_role;",
    "a later migration lets the service role (every function's key) write the admin audit",
    NOBODY.format("service_role-update"),
)

# --- LINE pushes: claimed once, only when finished, opted in, not deleted --------------------------------------------
PUSH_FN = "public.claim_line_push"
CLAIMED = (
    "  insert into private.line_pushes (reading_id, status) values (p_id, target.status)"
    " on conflict do nothing;\n"
)
sql(
    "line-push-claimed-twice",
    PUSH_FN,
    (
        "  if not found then\n    return null;\n  end if;\n  return jsonb_build_object",
        "  return jsonb_build_object",
    ),
    "a redelivered job claims the push again: the user gets the LINE message twice",
    PUSH + "test_a_finished_readings_push_is_claimed_once_however_often_it_is_asked[completed]",
)
sql(
    "line-push-check-then-insert",
    PUSH_FN,
    (
        CLAIMED + "  if not found then\n    return null;\n  end if;\n",
        "  if exists (select 1 from private.line_pushes where reading_id = p_id) then\n    return null;\n"
        "  end if;\n" + CLAIMED,
    ),
    "two deliveries at once both see no claim and both push",
    PUSH + "test_two_deliveries_claiming_at_once_push_once",
)
sql(
    "line-push-before-the-outcome",
    PUSH_FN,
    ("r.status in ('completed', 'rejected', 'failed')", "r.status <> 'queued'"),
    "a reading still processing is pushed (and its real outcome never is)",
    PUSH + "test_no_push_before_the_reading_is_finished",
)
sql(
    "line-push-without-opt-in",
    PUSH_FN,
    ("and u.notify_line and", "and"),
    "every user gets LINE pushes, opted in or not",
    PUSH + "test_no_push_without_the_owners_opt_in",
)
sql(
    "line-push-for-a-deleted-reading",
    PUSH_FN,
    (" and r.deleted_at is null", ""),
    "a reading its owner deleted is still pushed",
    PUSH + "test_no_push_for_a_reading_its_owner_deleted",
)

# --- the nightly reconciliation ---------------------------------------------------------------------------------------
STUCK = "private.fail_stuck_readings"
sql(
    "reconcile-fails-failed-readings-again",
    STUCK,
    (
        "where (status in ('processing', 'writing') or (status = 'queued' and attempts > 0))",
        "where (status in ('processing', 'writing', 'failed') or (status = 'queued' and attempts > 0))",
    ),
    "a run rewrites already failed readings as stuck: their failure reason is lost",
    RECONCILE + "test_a_run_leaves_failed_readings_alone_and_in_the_admins_failed_list",
)
sql(
    "reconcile-fails-readings-still-being-worked-on",
    STUCK,
    ("      and updated_at < now() - make_interval(secs => p_older_than_s)\n", ""),
    "a run fails and refunds readings the processor is still writing",
    RECONCILE + "test_a_run_fails_a_reading_stuck_in_processing_but_not_one_still_being_worked_on",
)
sql(
    "reconcile-credits-unsucceeded-intents",
    "private.reconcile_payments",
    ("where value ->> 'status' = 'succeeded' and ", "where "),
    "the SQL credits any PaymentIntent it is sent, paid or not (only the Python filtered them)",
    RECONCILE + "test_only_a_succeeded_payment_intent_is_credited[processing]",
)

# --- the legacy import ---------------------------------------------------------------------------------------------
sql(
    "legacy-opening-key-names-the-day",
    "private.legacy_opening",
    (
        "op_key text := 'legacy:' || (u ->> 'id') || ':opening';",
        "op_key text := 'legacy:' || (u ->> 'id') || ':opening:' || current_date;",
    ),
    "the opening balances' key depends on the import day: a second run on another day pays them again",
    LEGACY + "test_a_second_run_on_another_day_changes_nothing",
)
sql(
    "legacy-referral-pays-the-reward",
    "public.import_legacy_referral",
    ("coalesce(p_at, now()), coalesce(p_at, now()))", "coalesce(p_at, now()), null)"),
    "an imported referral is left unsettled: the invitee's first reading here pays the inviter again",
    LEGACY + "test_referrals_are_linked_without_paying_any_reward",
)
