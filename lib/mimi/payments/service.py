"""Payment rules: what may be bought, at whose price, and starting the Stripe payment."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from mimi.config import get_settings
from mimi.errors import NotFound, ValidationFailed
from mimi.idempotency import client_key
from mimi.payments import repository
from mimi.payments.schemas import IntentPublic, PackagePublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def packages() -> list[PackagePublic]:
    """The packages on sale, in display order."""
    return [PackagePublic.model_validate(row) for row in repository.purchasable_packages()]


def purchasable(package_id: str) -> dict[str, Any]:
    """The package to sell; 404 when unknown, 422 when it is not a star package on sale."""
    pkg = repository.package(package_id)
    if pkg is None:
        raise NotFound(f"No package '{package_id}'.", code="package_not_found")
    if not pkg["active"] or pkg["kind"] != "stars":
        raise ValidationFailed(f"Package '{package_id}' cannot be bought here.", code="package_not_purchasable")
    return pkg


def start_purchase(caller: Caller, package_id: str, key_header: str | None) -> IntentPublic:
    """Create the PaymentIntent at the server's price, then record it as a pending payment."""
    from mimi.payments.stripe_client import create_payment_intent  # stripe loads on the first purchase only
    from mimi.ratelimit import enforce

    # the key goes to Stripe (scoped to the user: a retried tap pays once) and to SQL, which refuses it for
    # another package even after Stripe has forgotten it (24 h)
    key = client_key(key_header) or uuid.uuid4().hex
    pkg = purchasable(package_id)
    s = get_settings()
    enforce("payment_intents", caller.user_id, s.payment_intents_per_minute, 60, fail_open=True)
    intent = create_payment_intent(pkg["price_satang"], pkg["currency"],
                                   {"user_id": caller.user_id, "package_id": pkg["id"]},
                                   f"mimi-intent:{caller.user_id}:{key}")
    payment = repository.record_intent(caller, intent["id"], pkg["id"], key)
    return IntentPublic(payment_id=payment["id"], payment_intent_id=intent["id"],
                        client_secret=intent["client_secret"], amount=intent["amount"],
                        currency=intent["currency"], package_id=pkg["id"], stars=pkg["stars"])
