"""The schema's runner: applies sql/local (plain Postgres only) and sql/migrations, each file once, in a transaction.

Shared by the ops command that migrates a real database (`python -m mimi_ops.migrate`) and the local stack's own
Postgres. No function imports it (psycopg is not in a Lambda zip): psycopg is imported when it runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

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


def migrate(dsn: str, *, local: bool = False) -> list[str]:
    """Apply what is not applied yet, under a session advisory lock; the names applied now, in order."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(727274)")
        conn.execute(LEDGER_DDL)
        done = _apply_dir(conn, LOCAL, "local") if local else []
        return done + _apply_dir(conn, MIGRATIONS, "migrations")
