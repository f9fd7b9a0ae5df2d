"""Migration runner: applies sql/local (plain Postgres only) and sql/migrations, each file once, in a transaction.

Usage against any Postgres, a Supabase project included:
    python -m mimi_local.migrate "$DATABASE_URL"            # migrations only
    python -m mimi_local.migrate "$DATABASE_URL" --local    # sql/local first (never on Supabase)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "sql" / "migrations"
LOCAL = ROOT / "sql" / "local"

LEDGER_DDL = """
create schema if not exists mimi_migrations;
create table if not exists mimi_migrations.applied (
  filename text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
"""


def _apply_dir(conn: psycopg.Connection, directory: Path, kind: str) -> list[str]:
    applied: list[str] = []
    for path in sorted(directory.glob("*.sql")):
        name = f"{kind}/{path.name}"
        sql = path.read_text()
        digest = hashlib.sha256(sql.encode()).hexdigest()
        with conn.transaction():
            row = conn.execute(
                "select checksum from mimi_migrations.applied where filename = %s for update",
                (name,),
            ).fetchone()
            if row:
                if row[0] != digest:
                    raise RuntimeError(
                        f"{name} changed after it was applied; add a new migration instead"
                    )
                continue
            conn.execute(sql.encode())
            conn.execute(
                "insert into mimi_migrations.applied (filename, checksum) values (%s, %s)",
                (name, digest),
            )
        applied.append(name)
    return applied


def connection_problem(dsn: str) -> str | None:
    """Why this Supabase connection string cannot migrate (None: it can). The runner holds a session advisory
    lock, which the transaction pooler (port 6543) drops between statements; the direct host is IPv6-only, which
    GitHub's runners cannot reach: migrations go through the session pooler (port 5432)."""
    info = conninfo_to_dict(dsn)
    host, port = str(info.get("host", "")), str(info.get("port", "5432"))
    if host.endswith(".pooler.supabase.com") and port == "6543":
        return "the transaction pooler (port 6543) drops the migration lock: use the session pooler, port 5432"
    if host.startswith("db.") and host.endswith(".supabase.co"):
        return "the direct connection is IPv6-only (GitHub's runners cannot reach it): use the session pooler"
    return None


def migrate(dsn: str, *, local: bool = False) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(727274)")
        conn.execute(LEDGER_DDL)
        done = _apply_dir(conn, LOCAL, "local") if local else []
        return done + _apply_dir(conn, MIGRATIONS, "migrations")


if __name__ == "__main__":
    problem = connection_problem(sys.argv[1])
    if (
        problem and "--direct" not in sys.argv[2:]
    ):  # --direct: a laptop with IPv6 may use the direct host
        sys.exit(f"migrate: {problem}")
    for name in migrate(sys.argv[1], local="--local" in sys.argv[2:]):
        print(f"applied {name}")
