"""stripe_webhook routes: POST / (Stripe only; authenticated by its signature, not a user token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from mimi.payments import webhook
from mimi.payments.schemas import WebhookReceipt

router = APIRouter()


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature covers these bytes."""
    return await request.body()


@router.post("/", response_model=WebhookReceipt)
def receive(body: Annotated[bytes, Depends(raw_body)],
            stripe_signature: Annotated[str | None, Header()] = None) -> WebhookReceipt:
    return webhook.process(body, stripe_signature)
