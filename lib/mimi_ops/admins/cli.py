"""Who may use the admin back office. Runs as the database owner (the migrations' DSN): no API role may do this.

    python -m mimi_ops.admins add <line_user_id|user_id> [--note TEXT] (--dsn DSN | --data .local)
    python -m mimi_ops.admins remove <line_user_id|user_id> (--dsn DSN | --data .local)
    python -m mimi_ops.admins list (--dsn DSN | --data .local)

`--data` finds the dev stack's Postgres (make dev's data dir). Each change writes an admin audit row.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

DEV_OWNER = "postgres:postgres"  # the dev stack's cluster owner (a local-only password)


def dev_dsn(data: Path) -> str:
    """The owner DSN of the dev stack's Postgres kept under data: the port it keeps in `pg_port`, and the owner
    and password of every cluster it creates (mimi_local.pg.PgCluster; tests/ops/test_admins_cli.py checks both)."""
    port_file = data / "pg_port"
    if not port_file.exists():
        raise SystemExit(f"no dev stack under {data} (start it with make dev first)")
    return f"postgresql://{DEV_OWNER}@127.0.0.1:{int(port_file.read_text())}/postgres"


def run(dsn: str, action: str, who: str | None, note: str | None) -> Any:
    """One add, remove or list, committed; a refusal (unknown user) raises psycopg.Error."""
    calls = {
        "add": ("select public.add_admin(%s, %s) as r", (who, note)),
        "remove": ("select public.remove_admin(%s) as r", (who,)),
        "list": ("select public.list_admins() as r", ()),
    }
    sql, params = calls[action]
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        row = conn.execute(sql, params).fetchone()
    return row["r"] if row else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mimi_ops.admins",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("add", "remove", "list"))
    parser.add_argument("who", nargs="?", help="LINE user id (U...) or user id (UUID)")
    parser.add_argument("--note", help="why this person is an admin (kept in the audit row)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--dsn", help="MiMiVibes' Postgres as the migrations' user")
    where.add_argument("--data", type=Path, help="the dev stack's data dir (make dev: .local)")
    args = parser.parse_args(argv)
    if args.action != "list" and not args.who:
        parser.error(f"{args.action} needs a LINE user id or user id")
    note = args.note or f"added with the CLI by {getpass.getuser()}"
    try:
        result = run(args.dsn or dev_dsn(args.data), args.action, args.who, note)
    except psycopg.Error as exc:
        print(f"refused: {exc.diag.message_primary} ({exc.diag.message_detail})", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0
