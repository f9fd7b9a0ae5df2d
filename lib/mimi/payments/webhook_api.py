"""stripe_webhook routes: POST / (Stripe only; authenticated by its signature, not a user token)."""

from __future__ import annotations

from mimi.payments import webhook
from mimi.payments.errors import InvalidStripePayload, StripeSignatureInvalid, WebhookFailed
from mimi.payments.schemas import StripeEvent, WebhookReceipt
from mimi.web import Router

router = Router(needs=("supabase_url", "supabase_service_role_key", "stripe_webhook_secret"))


@router.post(
    "/",
    raw_body=True,
    raw_model=StripeEvent,
    headers=("Stripe-Signature",),
    response=WebhookReceipt,
    errors=(StripeSignatureInvalid, InvalidStripePayload, WebhookFailed),
)
def receive(body: bytes, stripe_signature: str | None) -> WebhookReceipt:
    """A Stripe event, verified on the raw body, applied once."""
    return webhook.process(body, stripe_signature)
