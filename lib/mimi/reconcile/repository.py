"""The reconciliation in Postgres: one service-role call that repairs, checks and records the run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mimi.db import call, service_client
from mimi.reconcile.schemas import ReconcileRun


def reconcile(*, intents: list[dict[str, Any]], started_at: datetime) -> ReconcileRun:
    result = call(service_client(), "reconcile", {"p_intents": intents, "p_started_at": started_at.isoformat()})
    return ReconcileRun.model_validate(result)
