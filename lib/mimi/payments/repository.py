"""Payments in Postgres: packages (public), the user's payments (their JWT), webhook events (service role)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import anon_client, call, rows, service_client

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

PACKAGE_COLUMNS = "id,kind,title,price_satang,currency,stars,popular,active"
PAYMENT_COLUMNS = ("id,seq,package_id,amount_satang,currency,status,stars,stars_credited,stars_clawed_back,"
                   "amount_refunded,created_at")


def purchasable_packages() -> list[dict[str, Any]]:
    query = anon_client().table("packages").select(PACKAGE_COLUMNS).eq("active", "true").eq("kind", "stars")
    return rows(query.order("sort"))


def package(package_id: str) -> dict[str, Any] | None:
    query = anon_client().table("packages").select(PACKAGE_COLUMNS).eq("id", package_id)
    found = rows(query.limit(1))
    return found[0] if found else None


def record_intent(caller: Caller, payment_intent_id: str, package_id: str, key: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "record_payment_intent", {
        "p_payment_intent_id": payment_intent_id, "p_package_id": package_id, "p_idempotency_key": key})
    return result


def payments_page(caller: Caller, before_seq: str | None, limit: int) -> list[dict[str, Any]]:
    query = caller.db().table("payments").select(PAYMENT_COLUMNS)
    if before_seq is not None:
        query = query.lt("seq", before_seq)
    return rows(query.order("seq", desc=True).limit(limit + 1))


def apply_stripe_event(event_id: str, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = call(service_client(), "apply_stripe_event",
                                  {"p_event_id": event_id, "p_type": event_type, "p_payload": payload})
    return result


def record_invalid_stripe_event(event_id: str, event_type: str, reason: str, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = call(service_client(), "record_invalid_stripe_event",
                                  {"p_event_id": event_id, "p_type": event_type, "p_reason": reason,
                                   "p_payload": payload})
    return result
