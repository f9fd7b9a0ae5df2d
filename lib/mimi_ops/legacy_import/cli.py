"""The import CLI: python -m mimi_ops.legacy_import --legacy-dsn ... --dsn ... [--dry-run] [--json]."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mimi_ops.legacy_import.report import render, summary
from mimi_ops.legacy_import.source import read
from mimi_ops.legacy_import.target import apply


def run(legacy_dsn: str, dsn: str, *, dry_run: bool) -> dict[str, Any]:
    """Read the old database, import it (or rehearse it under dry_run) and return the report."""
    legacy = read(legacy_dsn)
    return summary(legacy, apply(dsn, legacy, dry_run=dry_run))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.legacy_import", description=__doc__)
    parser.add_argument("--legacy-dsn", required=True, help="the old app's Postgres (read only)")
    parser.add_argument("--dsn", required=True, help="MiMiVibes' Postgres as the migrations' user")
    parser.add_argument(
        "--dry-run", action="store_true", help="do everything, report, then roll back"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.legacy_dsn, args.dsn, dry_run=args.dry_run)
    print(
        json.dumps(report, default=str, indent=2)
        if args.json
        else render(report, dry_run=args.dry_run)
    )
    return 1 if report["failed"] else 0
