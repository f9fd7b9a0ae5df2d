"""The import's report: what the old database holds, what was (or would be) written, balances before and after."""

from __future__ import annotations

from collections import Counter
from typing import Any

from mimi_ops.legacy_import.source import BALANCES, Legacy
from mimi_ops.legacy_import.target import Outcome

# the account outcome of an old user whose LINE account was deleted here: nothing of them is imported
SKIPPED_DELETED = "skipped_deleted"


def _counts(counter: Counter[str] | dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


def _sum(users: list[dict[str, Any]], part: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for user in users:
        total.update({k: int(v) for k, v in user.get(part, {}).items()})
    return total


def summary(legacy: Legacy, outcome: Outcome) -> dict[str, Any]:
    """The report as data (the CLI prints it; tests read it)."""
    users = [u for u in outcome.users if u["account"] != SKIPPED_DELETED]
    unmapped = Counter(str(name) for u in users for name in u.get("unmapped_cards", []))
    return {
        "old": {
            "users": len(legacy.users) + len(legacy.aside),
            "to_import": len(legacy.users),
            "readings": sum(len(u["readings"]) for u in legacy.users),
            "payments": sum(len(u["payments"]) for u in legacy.users),
            "invitations": len(legacy.referrals),
            "balances": legacy.totals(),
            "history_only": legacy.history_only,
        },
        "aside": legacy.aside,
        "accounts": dict(Counter(str(u["account"]) for u in outcome.users)),
        "deleted_skipped": [
            u["legacy_id"] for u in outcome.users if u["account"] == SKIPPED_DELETED
        ],
        "refused": [{"user": u["legacy_id"], **row} for u in users for row in u.get("refused", [])],
        "openings": dict(
            Counter("replayed" if u["opening"].get("replayed") else "applied" for u in users)
        ),
        "readings": dict(_sum(users, "readings")),
        "deleted_readings": sum(int(u.get("deleted_readings", 0)) for u in users),
        "unmapped_cards": dict(unmapped),
        "payments": dict(_sum(users, "payments")),
        "referrals": dict(outcome.referrals),
        "failed": outcome.failed,
        "before": outcome.before,
        "after": outcome.after,
    }


def render(report: dict[str, Any], *, dry_run: bool) -> str:
    """The report as text for the operator."""
    old, before, after = report["old"], report["before"], report["after"]
    lines = [
        f"MiMiVibes legacy import ({'DRY RUN: nothing was written' if dry_run else 'committed'})",
        f"old database: {old['users']} users, {old['to_import']} with a LINE id; {old['readings']} readings, "
        f"{old['payments']} payments, {old['invitations']} invitations",
        f"  history only, not imported: {_counts(old['history_only'])}",
        f"  old balances of the users to import: {_counts(old['balances'])}",
        f"kept aside (cannot log in here): {len(report['aside'])}",
    ]
    lines += [
        f"  {u['id']}  {u['reason']}  {u['email'] or '-'}  {u['name'] or '-'}"
        for u in report["aside"]
    ]
    lines += [
        f"accounts: {_counts(report['accounts'])}",
        f"opening balances (ledger kind legacy_opening): {_counts(report['openings'])}",
        f"readings: {_counts(report['readings'])}; deleted ones kept hidden: {report['deleted_readings']}",
        f"cards with no card of ours (left out of `cards`): {_counts(report['unmapped_cards'])}",
        f"payments: {_counts(report['payments'])}",
        f"referral links (no reward paid): {_counts(report['referrals'])}",
        f"skipped, deleted here (never brought back): {len(report['deleted_skipped'])}",
    ]
    lines += [f"  {old_id}" for old_id in report["deleted_skipped"]]
    lines.append(f"rows refused (the API would refuse them): {len(report['refused'])}")
    lines += [f"  {r['user']}  {r['kind']} {r['id']}: {r['outcome']}" for r in report["refused"]]
    lines.append(f"failed users: {len(report['failed'])}")
    lines += [
        f"  {f['id']}  {f['sqlstate']} {f['code']}: {f['detail'] or ''}" for f in report["failed"]
    ]
    lines.append("balances here      before        after       change")
    for key in (*BALANCES, "users", "imported_users"):
        lines.append(
            f"  {key:<14}{before.get(key, 0):>10}{after.get(key, 0):>13}"
            f"{after.get(key, 0) - before.get(key, 0):>+13}"
        )
    return "\n".join(lines)
