"""reconcile routes: POST / (a signed QStash schedule, nightly), verified for its own URL as the sweep is."""

from __future__ import annotations

from mimi.payments.errors import PaymentProviderUnavailable
from mimi.readings.errors import QStashSignatureInvalid
from mimi.readings.queue import verify
from mimi.reconcile import service
from mimi.reconcile.schemas import ReconcileRun
from mimi.web import Router

router = Router(
    needs=(
        "supabase_url",
        "supabase_service_role_key",
        "qstash_current_signing_key",
        "qstash_next_signing_key",
        "stripe_secret_key",
    )
)


@router.post(
    "/",
    raw_body=True,
    headers=("Upstash-Signature",),
    response=ReconcileRun,
    errors=(QStashSignatureInvalid, PaymentProviderUnavailable),
)
def reconcile(body: bytes, upstash_signature: str | None, url: str) -> ReconcileRun:
    """The nightly run: repair missed Stripe successes and stuck readings, check the ledger, record the run."""
    verify(body, upstash_signature, url=url)
    return service.run()
