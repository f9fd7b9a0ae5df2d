"""Payment rules: what may be bought, at whose price, and starting the Stripe payment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.config import get_settings
from mimi.pagination import Page, PageRequest, page_of
from mimi.payments import repository
from mimi.payments.errors import PackageNotFound, PackageNotPurchasable
from mimi.payments.schemas import IntentPublic, Package, PackagePublic, PaymentPublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def packages() -> list[PackagePublic]:
    """The packages on sale, in display order."""
    return [
        PackagePublic.model_validate(pkg.model_dump())
        for pkg in repository.list_purchasable_packages()
    ]


def purchasable(package_id: str) -> Package:
    """The package to sell; 404 when unknown, 422 when it is not a star package on sale."""
    pkg = repository.get_package(package_id)
    if pkg is None:
        raise PackageNotFound(f"No package '{package_id}'.")
    if not pkg.active or pkg.kind != "stars":
        raise PackageNotPurchasable(f"Package '{package_id}' cannot be bought here.")
    return pkg


def start_purchase(caller: Caller, package_id: str, key: str) -> IntentPublic:
    """Create the PaymentIntent at the server's price, then record it as a pending payment.

    The key goes to Stripe (scoped to the user: a retried tap pays once) and to SQL, which refuses it for
    another package even after Stripe has forgotten it (24 h).
    """
    from mimi.payments.stripe_client import (
        create_payment_intent,
    )  # stripe loads on the first purchase only
    from mimi.ratelimit import enforce

    pkg = purchasable(package_id)
    s = get_settings()
    enforce("payment_intents", caller.user_id, s.payment_intents_per_minute, 60, fail_open=True)
    intent = create_payment_intent(
        pkg.price_satang,
        pkg.currency,
        {"user_id": caller.user_id, "package_id": pkg.id},
        f"mimi-intent:{caller.user_id}:{key}",
    )
    payment = repository.record_intent(caller, intent.id, package_id=pkg.id, key=key)
    return IntentPublic(
        payment_id=payment.id,
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        amount=intent.amount,
        currency=intent.currency,
        package_id=pkg.id,
        stars=pkg.stars,
    )


def history(caller: Caller, page: PageRequest) -> Page[PaymentPublic]:
    """The caller's payments, newest first, one page."""
    rows, next_cursor = page_of(
        repository.list_page_for_user(caller, page), page, key=lambda p: p.seq
    )
    items = [PaymentPublic.model_validate(p.model_dump(exclude={"seq"})) for p in rows]
    return Page[PaymentPublic](items=items, next_cursor=next_cursor)
