"""payments routes: GET /packages (public), POST /intents, GET / (the user's payment history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceUnavailable, ValidationFailed
from mimi.pagination import Page, PageQuery, check_limit, decode_seq_cursor, page_of
from mimi.payments import repository, service
from mimi.payments.schemas import IntentCreate, IntentPublic, PackagePublic, PaymentPublic
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "upstash_redis_rest_url", "upstash_redis_rest_token", "stripe_secret_key"))


@router.get("/packages", response=list[PackagePublic], response_headers=(("Cache-Control", "public, max-age=300"),))
def packages() -> list[PackagePublic]:
    """The star packages on sale, in display order (public)."""
    return service.packages()


@router.post("/intents", body=IntentCreate, response=IntentPublic, status=201, auth=True,
             headers=("Idempotency-Key",),
             errors=(Forbidden, NotFound, ValidationFailed, Conflict, RateLimited, ServiceUnavailable))
def create_intent(body: IntentCreate, caller: Caller, idempotency_key: str | None) -> IntentPublic:
    """Start buying a package: a Stripe PaymentIntent at the server's price, recorded as pending."""
    return service.start_purchase(caller, body.package_id, idempotency_key)


@router.get("/", query=PageQuery, response=Page[PaymentPublic], auth=True, errors=(ValidationFailed,))
def history(query: PageQuery, caller: Caller) -> Page[PaymentPublic]:
    """The caller's payments, newest first, a page at a time."""
    before = decode_seq_cursor(query.cursor)
    rows = repository.payments_page(caller, before, check_limit(query.limit))
    items, next_cursor = page_of(rows, query.limit, key="seq")
    return Page[PaymentPublic](items=[PaymentPublic.model_validate(r) for r in items], next_cursor=next_cursor)
