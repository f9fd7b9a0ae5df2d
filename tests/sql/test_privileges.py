"""Every revoked privilege stays revoked: each API role is refused what it must not do (Postgres error 42501)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import login

Conn = psycopg.Connection[dict[str, Any]]

# (role, statement): {uid} is a real user of the role's JWT; each runs in a transaction that is rolled back.
REFUSED = {
    # server-only functions: never for a user token
    "user:spend_credit": ("authenticated", "select public.spend_credit({uid}, 'x:spend', 'hack')"),
    "user:refund_credit": ("authenticated", "select public.refund_credit({uid}, 'x', 'x:refund')"),
    "user:grant_credit": (
        "authenticated",
        "select public.grant_credit({uid}, 'x:grant', 'hack', '{{\"star\": 9}}')",
    ),
    "user:ledger_mismatches": ("authenticated", "select public.ledger_mismatches()"),
    "user:login_line_user": (
        "authenticated",
        "select public.login_line_user('U' || repeat('0', 32), 'x', null, repeat('a', 64), 60)",
    ),
    "user:rotate_refresh_token": (
        "authenticated",
        "select public.rotate_refresh_token(repeat('a', 64), repeat('b', 64), 60)",
    ),
    "user:refresh_session": (
        "authenticated",
        "select public.refresh_session(repeat('a', 64), repeat('b', 64), 60)",
    ),
    "user:revoke_refresh_family": (
        "authenticated",
        "select public.revoke_refresh_family(repeat('a', 64))",
    ),
    "user:apply_stripe_event": (
        "authenticated",
        "select public.apply_stripe_event('evt_x', 'charge.refunded', '{{}}')",
    ),
    "user:sweep_stale_readings": ("authenticated", "select public.sweep_stale_readings(900, 1)"),
    "user:claim_line_push": ("authenticated", "select public.claim_line_push(gen_random_uuid())"),
    "user:save_reading_draft": (
        "authenticated",
        "select public.save_reading_draft(gen_random_uuid(), 1, 1, '{{}}')",
    ),
    # user functions: never without a login
    "anon:exchange_coins": ("anon", "select public.exchange_coins(1, 'tap-00001')"),
    "anon:daily_check_in": ("anon", "select public.daily_check_in()"),
    "anon:referral_summary": ("anon", "select public.referral_summary()"),
    "anon:my_profile": ("anon", "select public.my_profile()"),
    "anon:update_profile": ("anon", "select public.update_profile('x', null)"),
    "anon:submit_reading": (
        "anon",
        "select public.submit_reading('a question of mine', null, 'standard')",
    ),
    "anon:ask_follow_up": (
        "anon",
        "select public.ask_follow_up(gen_random_uuid(), 'a question of mine')",
    ),
    "anon:cancel_reading": ("anon", "select public.cancel_reading(gen_random_uuid())"),
    "anon:delete_reading": ("anon", "select public.delete_reading(gen_random_uuid())"),
    "anon:review_reading": ("anon", "select public.review_reading(gen_random_uuid(), 50, null)"),
    "anon:reading_history": ("anon", "select public.reading_history(10, null)"),
    "anon:record_payment_intent": (
        "anon",
        "select public.record_payment_intent('pi_x', 'stars_10')",
    ),
    "anon:set_line_notifications": ("anon", "select public.set_line_notifications(true)"),
    "anon:share_reading": (
        "anon",
        "select public.share_reading(gen_random_uuid(), repeat('a', 64), false)",
    ),
    "anon:revoke_reading_shares": (
        "anon",
        "select public.revoke_reading_shares(gen_random_uuid())",
    ),
    "user:read-reading_shares": ("authenticated", "select count(*) from private.reading_shares"),
    # user functions act on auth.uid(): the service role has no user of its own
    "service:submit_reading": (
        "service_role",
        "select public.submit_reading('a question of mine', null, 'standard')",
    ),
    # tables: users read (some of) their rows; only SQL functions write
    "user:update-users": (
        "authenticated",
        "update public.users set display_name = 'x' where id = {uid}",
    ),
    "user:update-wallets": (
        "authenticated",
        "update public.wallets set stars = 99 where user_id = {uid}",
    ),
    "service:insert-ledger": (
        "service_role",
        "insert into public.ledger (user_id, currency, delta, reason, "
        "idempotency_key) values ({uid}, 'star', 99, 'hack', 'hack:' || {uid}::text)",
    ),
    "user:read-referrals": ("authenticated", "select count(*) from public.referrals"),
    "user:update-app_settings": ("authenticated", "update public.app_settings set value = 0"),
    "user:update-cards": ("authenticated", "update public.cards set meaning_en = 'x'"),
    "user:update-packages": ("authenticated", "update public.packages set price_satang = 1"),
    "user:update-readings": (
        "authenticated",
        "update public.readings set status = 'completed' where user_id = {uid}",
    ),
    "user:read-readings-llm-columns": (
        "authenticated",
        "select prompt_tokens from public.readings",
    ),
    "user:update-reading_reviews": (
        "authenticated",
        "update public.reading_reviews set accuracy = 1 where user_id = {uid}",
    ),
    "user:read-payments-flag": ("authenticated", "select flag_reason from public.payments"),
    "user:update-payments": (
        "authenticated",
        "update public.payments set stars = 1 where user_id = {uid}",
    ),
    "user:read-app_meta": ("authenticated", "select count(*) from public.app_meta"),
    "anon:read-app_meta": ("anon", "select count(*) from public.app_meta"),
}


def attempt(db: Conn, role: str, statement: str, uid: str) -> str:
    """The SQLSTATE the statement fails with as this role ('ok' when it runs); nothing it does is kept."""
    with db.transaction(force_rollback=True):
        db.execute(f"set local role {role}")
        db.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (json.dumps({"role": role, "sub": uid}),),
        )
        try:
            with db.transaction():
                db.execute(statement.format(uid="%(uid)s::uuid"), {"uid": uid})
        except psycopg.Error as exc:
            return str(exc.diag.sqlstate)
    return "ok"


@pytest.mark.parametrize("case", list(REFUSED))
def test_api_roles_are_refused_what_was_revoked_from_them(db: Conn, case: str) -> None:
    role, statement = REFUSED[case]
    uid = login(db)["user"]["id"]
    assert attempt(db, role, statement, uid) == "42501"


def test_api_roles_can_use_nothing_in_the_private_schema(db: Conn) -> None:
    granted = db.execute("""
        select r.rolname, p.oid::regprocedure::text as fn
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        cross join pg_catalog.pg_roles r
        where n.nspname = 'private' and r.rolname in ('anon', 'authenticated')
          and has_function_privilege(r.oid, p.oid, 'execute')
        order by 1, 2""").fetchall()
    assert granted == []
    usage = db.execute(
        "select r.rolname from pg_catalog.pg_roles r"
        " where r.rolname in ('anon', 'authenticated', 'service_role')"
        "   and has_schema_privilege(r.oid, 'private', 'usage')"
    ).fetchall()
    assert usage == []
