"""One reconciliation run: list Stripe's recent successes, then one SQL call repairs and records; counts to logs."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from mimi import metrics
from mimi.logs import log
from mimi.reconcile import repository, stripe_intents
from mimi.reconcile.schemas import ReconcileRun

WINDOW_S = (
    72 * 3600
)  # Stripe retries a webhook for 3 days; a success older than that was either seen or lost


def run() -> ReconcileRun:
    """Apply missed payment successes, fail and refund stuck readings, check the ledger; idempotent."""
    started = datetime.now(UTC)
    intents = stripe_intents.succeeded_since(int(time.time()) - WINDOW_S)
    result = repository.reconcile(intents=intents, started_at=started)
    problems = result.ledger_mismatches or result.payments_mismatched or result.payments_unknown
    log(
        "reconcile_run",
        logging.WARNING if problems else logging.INFO,
        run_id=result.id,
        ledger_mismatches=result.ledger_mismatches,
        intents_listed=result.intents_listed,
        payments_repaired=result.payments_repaired,
        payments_mismatched=result.payments_mismatched,
        payments_unknown=result.payments_unknown,
        readings_failed=result.readings_failed,
        duration_ms=round((datetime.now(UTC) - started).total_seconds() * 1000, 1),
    )
    metrics.reconciliation_repairs(
        payments_applied=result.payments_repaired,
        readings_refunded=result.readings_failed,
        ledger_mismatches=result.ledger_mismatches,
    )
    return result
