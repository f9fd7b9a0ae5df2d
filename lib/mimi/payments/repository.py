"""Payments in Postgres: packages (public), the user's payments (their JWT), webhook events (service role)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import anon_client, call_as, select, service_client
from mimi.pagination import PageRequest
from mimi.payments.schemas import Package, PaymentRecord, RecordedPayment, StripeEventResult

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

PACKAGE_COLUMNS = "id,kind,title,price_satang,currency,stars,popular,active"
PAYMENT_COLUMNS = (
    "id,seq,package_id,amount_satang,currency,status,stars,stars_credited,stars_clawed_back,"
    "amount_refunded,created_at"
)


def list_purchasable_packages() -> list[Package]:
    """The star packages on sale, in display order."""
    query = (
        anon_client()
        .table("packages")
        .select(PACKAGE_COLUMNS)
        .eq("active", "true")
        .eq("kind", "stars")
    )
    return select(Package, query.order("sort"))


def get_package(package_id: str) -> Package | None:
    """Any package by id (on sale or not), or None."""
    found = select(
        Package,
        anon_client().table("packages").select(PACKAGE_COLUMNS).eq("id", package_id).limit(1),
    )
    return found[0] if found else None


def record_intent(
    caller: Caller, payment_intent_id: str, *, package_id: str, key: str
) -> RecordedPayment:
    """Record the caller's PaymentIntent as a pending payment (once per key and intent)."""
    params = {
        "p_payment_intent_id": payment_intent_id,
        "p_package_id": package_id,
        "p_idempotency_key": key,
    }
    return call_as(RecordedPayment, caller.db(), "record_payment_intent", params)


def list_page_for_user(caller: Caller, page: PageRequest) -> list[PaymentRecord]:
    """Up to limit+1 of the caller's payments, newest first, after the payment with seq page.after."""
    query = caller.db().table("payments").select(PAYMENT_COLUMNS)
    if page.after is not None:
        query = query.lt("seq", page.after)
    return select(PaymentRecord, query.order("seq", desc=True).limit(page.limit + 1))


def apply_stripe_event(
    event_id: str, *, event_type: str, payload: dict[str, Any]
) -> StripeEventResult:
    params = {"p_event_id": event_id, "p_type": event_type, "p_payload": payload}
    return call_as(StripeEventResult, service_client(), "apply_stripe_event", params)


def record_invalid_stripe_event(
    event_id: str, *, event_type: str, reason: str, payload: dict[str, Any]
) -> StripeEventResult:
    params = {
        "p_event_id": event_id,
        "p_type": event_type,
        "p_reason": reason,
        "p_payload": payload,
    }
    return call_as(StripeEventResult, service_client(), "record_invalid_stripe_event", params)
