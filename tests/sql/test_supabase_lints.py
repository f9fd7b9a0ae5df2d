"""Supabase's database linter (splinter) run against our schema: the lints a security review reads first."""

from __future__ import annotations

from typing import Any

import psycopg

Conn = psycopg.Connection[dict[str, Any]]

# The detection of splinter's lint 0028 `anon_security_definer_function_executable`
# (github.com/supabase/splinter, lints/0028_anon_security_definer_function_executable.sql at c86b910): a SECURITY
# DEFINER function the anon role may execute, in a schema PostgREST exposes (`pgrst.db_schemas`), outside the
# schemas Supabase manages. Anyone holding the public anon key can call it through /rest/v1/rpc.
EXCLUDED = [
    *("_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config", "_timescaledb_internal"),
    *(
        "auth",
        "cron",
        "extensions",
        "graphql",
        "graphql_public",
        "information_schema",
        "net",
        "pgmq",
    ),
    *(
        "pgroonga",
        "pgsodium",
        "pgsodium_masks",
        "pgtle",
        "pgbouncer",
        "pg_catalog",
        "realtime",
        "repack",
    ),
    *("storage", "supabase_functions", "supabase_migrations", "tiger", "topology", "vault"),
]
LINT_0028 = """
select n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' as fn
from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on p.pronamespace = n.oid
where p.prosecdef
  and pg_catalog.has_function_privilege('anon', p.oid, 'EXECUTE')
  and n.nspname = any(array(select trim(unnest(string_to_array(current_setting('pgrst.db_schemas', 't'), ',')))))
  and n.nspname <> all(%(excluded)s)
order by 1
"""
# What a Supabase project's PostgREST exposes by default (Settings > API > Exposed schemas).
EXPOSED = "public, graphql_public"


def lint_0028(db: Conn) -> list[str]:
    with db.transaction(force_rollback=True):
        db.execute("select set_config('pgrst.db_schemas', %s, true)", (EXPOSED,))
        rows = db.execute(LINT_0028, {"excluded": EXCLUDED}).fetchall()
    return [str(r["fn"]) for r in rows]


def test_splinter_0028_finds_only_the_health_probe_executable_by_anon(db: Conn) -> None:
    assert lint_0028(db) == ["public.health()"]


def test_the_lint_does_flag_a_security_definer_function_granted_to_anon(db: Conn) -> None:
    with db.transaction(force_rollback=True):
        db.execute(
            "create function public.lint_probe() returns int language sql security definer"
            " set search_path = '' as 'select 1'"
        )
        db.execute("grant execute on function public.lint_probe() to anon")
        db.execute("select set_config('pgrst.db_schemas', %s, true)", (EXPOSED,))
        found = [r["fn"] for r in db.execute(LINT_0028, {"excluded": EXCLUDED}).fetchall()]
    assert found == ["public.health()", "public.lint_probe()"]
