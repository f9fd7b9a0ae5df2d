"""Least privilege, checked as each API role: tables change only through functions, sequences and GraphQL are
closed, new objects start closed, and every foreign key has an index. Writes that must fail run in a rolled-back
transaction, so a regression fails its own test without corrupting the data later tests use."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login

Conn = psycopg.Connection[dict[str, Any]]
API_ROLES = ("anon", "authenticated", "service_role")
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def write_as(db: Conn, role: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """A write as an API role, inside the caller's rolled-back transaction (nothing to fetch, nothing kept)."""
    db.execute(f"set local role {role}")
    db.execute(sql, params)


def test_no_api_role_may_write_any_table(db: Conn) -> None:
    held = db.execute(
        "select c.oid::regclass::text as tbl, r.role, p.priv from pg_class c"
        " cross join unnest(%s::text[]) r(role) cross join unnest(%s::text[]) p(priv)"
        " where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace) and c.relkind in ('r', 'p')"
        "   and has_table_privilege(r.role, c.oid, p.priv)",
        (list(API_ROLES), list(WRITES)),
    ).fetchall()
    assert held == []


@pytest.mark.parametrize(
    "sql",
    [
        "update public.wallets set stars = stars + 1000 where user_id = %s",
        "insert into public.ledger (user_id, currency, delta, reason, idempotency_key) "
        "values (%s, 'star', 1, 'x', 'x')",
        "delete from public.payments where user_id = %s",
        "update public.users set display_name = 'x' where id = %s",
        "update public.readings set status = 'completed' where user_id = %s",
        "delete from public.referrals where inviter_id = %s",
    ],
)
def test_service_role_cannot_write_money_tables_directly(db: Conn, sql: str) -> None:
    uid = login(db)["user"]["id"]
    with db.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
        write_as(db, "service_role", sql, (uid,))


@pytest.mark.parametrize(
    "sql",
    [
        "update public.app_settings set value = 0",
        "delete from public.packages",
        "truncate public.cards",
    ],
)
def test_service_role_cannot_change_settings_packages_or_cards(db: Conn, sql: str) -> None:
    with db.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
        write_as(db, "service_role", sql)


def test_service_role_functions_still_write_through_the_definer(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    granted = call_as(
        db,
        "service_role",
        "select public.grant_credit(%s, %s, 'test', '{\"star\": 2}') as r",
        (uid, f"priv:{uid}"),
    )["r"]
    assert granted["wallet"]["stars"] == 2


@pytest.mark.parametrize("role", API_ROLES)
def test_no_api_role_may_touch_a_sequence(db: Conn, role: str) -> None:
    uid = login(db)["user"]["id"]
    # setval is never rolled back: set the sequence to a value it would reach anyway (the attack used 1)
    for sql in (
        "select setval('public.ledger_id_seq', nextval('public.ledger_id_seq'))",
        "select nextval('public.payments_seq_seq')",
    ):
        with (
            db.transaction(force_rollback=True),
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            call_as(db, role, sql, sub=uid)


def test_objects_created_later_start_closed(db: Conn) -> None:
    with db.transaction(force_rollback=True):
        db.execute(
            "create table public.priv_probe (id bigint generated always as identity primary key)"
        )
        db.execute("create function public.priv_probe_fn() returns int language sql as 'select 1'")
        db.execute("create function private.priv_probe_fn() returns int language sql as 'select 1'")
        held = db.execute(
            "select r.role, has_table_privilege(r.role, 'public.priv_probe', 'select, insert, update, delete')"
            "   or has_sequence_privilege(r.role, 'public.priv_probe_id_seq', 'usage, select, update')"
            "   or has_function_privilege(r.role, 'public.priv_probe_fn()', 'execute')"
            "   or has_function_privilege(r.role, 'private.priv_probe_fn()', 'execute') as open"
            " from unnest(array['anon', 'authenticated', 'service_role', 'public']) r(role)"
        ).fetchall()
        assert [r["role"] for r in held if r["open"]] == []


def test_anon_may_call_only_the_health_probe_and_the_shared_reading_view(db: Conn) -> None:
    callable_by_anon = db.execute(
        "select p.oid::regprocedure::text as fn from pg_proc p"
        " where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace,"
        "                          'sharing'::regnamespace)"
        "   and has_function_privilege('anon', p.oid, 'execute')"
    ).fetchall()
    assert sorted(r["fn"] for r in callable_by_anon) == [
        "health()",
        "shared_reading(text)",
        "sharing.reading_by_token(text)",  # reached only through shared_reading: not exposed
    ]


def test_graphql_is_closed_where_it_exists(db: Conn) -> None:
    with db.transaction(force_rollback=True):
        db.execute("create schema graphql_public")
        db.execute(
            "create function graphql_public.graphql(query text) returns jsonb language sql"
            " as 'select null::jsonb'"
        )
        db.execute("grant usage on schema graphql_public to anon, authenticated, service_role")
        db.execute(
            "grant execute on function graphql_public.graphql(text) to anon, authenticated, service_role"
        )
        db.execute("select private.close_graphql()")
        opened = db.execute(
            "select r.role from unnest(array['anon', 'authenticated', 'service_role']) r(role)"
            " where has_schema_privilege(r.role, 'graphql_public', 'usage')"
            "    or has_function_privilege(r.role, 'graphql_public.graphql(text)', 'execute')"
        ).fetchall()
        assert opened == []


def test_every_foreign_key_leads_an_index(db: Conn) -> None:
    unindexed = db.execute(
        "select c.conrelid::regclass::text as tbl, c.conname from pg_constraint c"
        " where c.contype = 'f' and c.connamespace in ('public'::regnamespace, 'private'::regnamespace)"
        "   and not exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indpred is null"
        "     and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)"
    ).fetchall()
    assert unindexed == []
