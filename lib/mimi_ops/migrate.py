"""Migrate a real database: `python -m mimi_ops.migrate "$DATABASE_URL" [--local] [--direct]`.

Applies sql/migrations (and sql/local first with --local: never on Supabase) through mimi.migrations, each file
once, in a transaction. Refuses a Supabase connection string that cannot hold the migration lock.
"""

from __future__ import annotations

import sys

from psycopg.conninfo import conninfo_to_dict

from mimi.migrations import migrate


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


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.splitlines()[0] if __doc__ else "", file=sys.stderr)
        return 2
    problem = connection_problem(argv[0])
    if (
        problem and "--direct" not in argv[1:]
    ):  # --direct: a laptop with IPv6 may use the direct host
        print(f"migrate: {problem}", file=sys.stderr)
        return 1
    for name in migrate(argv[0], local="--local" in argv[1:]):
        print(f"applied {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
