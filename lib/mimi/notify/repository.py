"""Notification claims in Postgres (service role: the processor)."""

from __future__ import annotations

from mimi.db import call, service_client
from mimi.notify.schemas import PushTarget


def claim_line_push(*, reading_id: str) -> PushTarget | None:
    """The owner to push about a finished reading, at most once per reading; None when nobody is to be pushed."""
    found = call(service_client(), "claim_line_push", {"p_id": reading_id})
    return PushTarget.model_validate(found) if found else None
