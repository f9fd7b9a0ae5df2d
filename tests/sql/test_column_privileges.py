"""Privileges checked per column, over the catalog: a column grant (`grant update (price, active) on spreads`) passes
every table-level check, so what each API role may read and write is listed column by column here; and every
SECURITY DEFINER function pins its search_path (a definer that resolves names through the caller's search_path
runs the caller's objects with the owner's rights)."""

from __future__ import annotations

from typing import Any

import psycopg

Conn = psycopg.Connection[dict[str, Any]]
API_ROLES = ["anon", "authenticated", "service_role"]
SCHEMAS = "('public'::regnamespace, 'private'::regnamespace, 'sharing'::regnamespace)"
EVERY = "*"  # a table-level grant: every column, and every column added later
REFERENCE = {"app_settings": EVERY, "cards": EVERY, "packages": EVERY, "spreads": EVERY}
READABLE: dict[str, dict[str, Any]] = {
    "anon": REFERENCE,
    "authenticated": {
        **REFERENCE,
        "users": EVERY,
        "wallets": EVERY,
        "reading_reviews": EVERY,
        # the ref and key of a ledger row can name another person: public.my_ledger() shows them masked
        "ledger": ("id", "user_id", "currency", "delta", "reason", "created_at"),
        # no review flags, Stripe charge or dispute ids
        "payments": (
            "id",
            "seq",
            "user_id",
            "package_id",
            "payment_intent_id",
            "amount_satang",
            "currency",
            "stars",
            "status",
            "stars_credited",
            "stars_clawed_back",
            "amount_refunded",
            "created_at",
            "updated_at",
        ),
        # no LLM bookkeeping (provider, model, prompt version, tokens, attempts)
        "readings": (
            "id",
            "user_id",
            "question",
            "language",
            "depth",
            "status",
            "cards",
            "result",
            "analysis",
            "rejection",
            "failure_reason",
            "created_at",
            "updated_at",
            "completed_at",
            "deleted_at",
            "spread",
            "parent_id",
            "daily_on",
            # the owner's reading as it is written (0030); RLS shows a reading to its owner only
            "draft",
        ),
    },
    # what the server-side functions' Supabase key may read: since Supabase stopped granting new tables to the API
    # roles (sql/local/0037 no longer replays it), only what a migration grants; the server works through functions
    "service_role": {"ledger": EVERY},
}
COLUMNS = f"""
select r.role, c.oid::regclass::text as tbl, has_table_privilege(r.role, c.oid, %(priv)s) as whole,
  array_agg(a.attname::text order by a.attnum) as cols
from pg_class c
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
cross join unnest(%(roles)s::text[]) r(role)
where c.relnamespace in {SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and has_column_privilege(r.role, c.oid, a.attnum, %(priv)s)
group by 1, 2, 3
"""


def held(db: Conn, privilege: str) -> dict[str, dict[str, Any]]:
    """Per role and table: EVERY for a table-level grant, else the columns granted one by one."""
    found: dict[str, dict[str, Any]] = {role: {} for role in API_ROLES}
    for row in db.execute(COLUMNS, {"priv": privilege, "roles": API_ROLES}).fetchall():
        found[row["role"]][row["tbl"]] = EVERY if row["whole"] else tuple(row["cols"])
    return found


def test_api_roles_read_exactly_these_columns(db: Conn) -> None:
    assert held(db, "SELECT") == READABLE


def test_no_api_role_may_write_or_reference_any_column(db: Conn) -> None:
    for privilege in ("INSERT", "UPDATE", "REFERENCES"):
        assert held(db, privilege) == {role: {} for role in API_ROLES}, privilege


def test_a_column_grant_is_seen_although_a_table_level_check_misses_it(db: Conn) -> None:
    with db.transaction(force_rollback=True):
        db.execute("grant update (price, active) on public.spreads to authenticated")
        table_level = db.execute(
            "select has_table_privilege('authenticated', 'public.spreads', 'UPDATE') as t"
        ).fetchone()
        assert (table_level["t"], held(db, "UPDATE")["authenticated"]) == (
            False,
            {"spreads": ("price", "active")},
        )


DEFINERS = """
select p.oid::regprocedure::text as fn, p.proconfig as config
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')
order by 1
"""


def test_every_security_definer_function_sets_an_empty_search_path(db: Conn) -> None:
    definers = db.execute(DEFINERS).fetchall()
    assert len(definers) > 50  # the catalog query finds them (public, private, sharing, ...)
    loose = [r["fn"] for r in definers if 'search_path=""' not in (r["config"] or [])]
    assert loose == []


def test_the_check_finds_a_definer_without_a_search_path(db: Conn) -> None:
    with db.transaction(force_rollback=True):
        db.execute(
            "create function private.loose_probe() returns int language sql security definer"
            " as 'select 1'"
        )
        loose = [
            r["fn"]
            for r in db.execute(DEFINERS).fetchall()
            if 'search_path=""' not in (r["config"] or [])
        ]
    assert loose == ["private.loose_probe()"]
