"""The reconciliation in Postgres: one service-role call that repairs, checks and records the run."""

from __future__ import annotations

from datetime import datetime

from mimi.db import call_as, service_client
from mimi.reconcile.schemas import ReconcileRun, SucceededIntent

# The service role's statement timeout is 25 s (migration 0037) so the ledger check keeps working as the ledger
# grows; the client waits a little longer, and the reconcile function's Lambda timeout (60 s) longer still.
RECONCILE_TIMEOUT_S = 30.0


def reconcile(*, intents: list[SucceededIntent], started_at: datetime) -> ReconcileRun:
    """Apply the missed successes among intents, fail stuck readings, count ledger mismatches; record the run."""
    params = {
        "p_intents": [intent.model_dump() for intent in intents],
        "p_started_at": started_at.isoformat(),
    }
    return call_as(ReconcileRun, service_client(RECONCILE_TIMEOUT_S), "reconcile", params)
