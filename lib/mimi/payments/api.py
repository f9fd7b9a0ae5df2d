"""payments routes: GET /packages (public), POST /intents, GET / (the user's payment history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.credits.errors import AccountFrozen
from mimi.errors import RateLimited, ValidationFailed
from mimi.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey, key_or_new
from mimi.pagination import InvalidCursor, Page, PageQuery
from mimi.payments import service
from mimi.payments.errors import (
    InvalidPaymentIntent,
    PackageNotFound,
    PackageNotPurchasable,
    PaymentIntentConflict,
    PaymentProviderUnavailable,
)
from mimi.payments.schemas import IntentCreate, IntentPublic, PackagePublic, PaymentPublic
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(
    needs=(*USER_API, "upstash_redis_rest_url", "upstash_redis_rest_token", "stripe_secret_key")
)


@router.get(
    "/packages",
    response=list[PackagePublic],
    response_headers=(("Cache-Control", "public, max-age=300"),),
)
def packages() -> list[PackagePublic]:
    """The star packages on sale, in display order (public)."""
    return service.packages()


@router.post(
    "/intents",
    body=IntentCreate,
    response=IntentPublic,
    status=201,
    auth=True,
    headers=("Idempotency-Key",),
    parse={"idempotency_key": key_or_new},
    errors=(
        PackageNotFound,
        PackageNotPurchasable,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
        PaymentIntentConflict,
        InvalidPaymentIntent,
        RateLimited,
        PaymentProviderUnavailable,
        AccountFrozen,
    ),
)
def create_intent(body: IntentCreate, caller: Caller, idempotency_key: str) -> IntentPublic:
    """Start buying a package: a Stripe PaymentIntent at the server's price, recorded as pending."""
    return service.start_purchase(caller, body.package_id, idempotency_key)


@router.get(
    "/",
    query=PageQuery,
    response=Page[PaymentPublic],
    auth=True,
    errors=(InvalidCursor, ValidationFailed),
)
def history(query: PageQuery, caller: Caller) -> Page[PaymentPublic]:
    """The caller's payments, newest first, a page at a time."""
    return service.history(caller, query.by_seq())
