"""The QStash schedules a stage needs, created idempotently by the deploy (the qstash SDK, never by hand).

Each has a fixed schedule id, so creating it again updates it in place: a deploy that runs twice, or a URL that
changed, leaves exactly one schedule of each. Usage (the deploy step; the token comes from SSM):
    QSTASH_TOKEN=... python -m mimi_ops.schedules --stage prod --processor <url> --reconcile <url> [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from qstash import QStash

SWEEP_CRON = "*/5 * * * *"  # stale paid readings are failed and refunded within minutes
RECONCILE_CRON = "0 19 * * *"  # 02:00 in Bangkok, the quietest hour


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    destination: str
    cron: str


def wanted(stage: str, processor_url: str, reconcile_url: str) -> list[Schedule]:
    """The schedules of a stage: the sweep (the processor's /sweep) and the nightly reconcile."""
    return [
        Schedule(f"mimivibes-{stage}-sweep", processor_url.rstrip("/") + "/sweep", SWEEP_CRON),
        Schedule(f"mimivibes-{stage}-reconcile", reconcile_url, RECONCILE_CRON),
    ]


def apply(client: QStash, schedules: list[Schedule]) -> list[str]:
    """Create or update each schedule (by its id); returns the ids QStash confirmed."""
    return [
        client.schedule.create(
            destination=s.destination, cron=s.cron, body="{}", schedule_id=s.schedule_id, retries=3
        )
        for s in schedules
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.schedules")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--processor", required=True)
    parser.add_argument("--reconcile", required=True)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--qstash-url", default="https://qstash.upstash.io")
    args = parser.parse_args()
    schedules = wanted(args.stage, args.processor, args.reconcile)
    for s in schedules:
        print(f"schedule {s.schedule_id}: POST {s.destination} at '{s.cron}'")
    if args.dry_run:
        return 0
    token = os.environ.get("QSTASH_TOKEN", "")
    if not token:
        print("QSTASH_TOKEN is not set", file=sys.stderr)
        return 2
    print("applied:", ", ".join(apply(QStash(token, base_url=args.qstash_url), schedules)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
