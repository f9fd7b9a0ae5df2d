"""The payments domain's errors: packages, PaymentIntents, Stripe and its webhook."""

from __future__ import annotations

from mimi.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, ValidationFailed


class PackageNotFound(NotFound):
    code = "package_not_found"


class PackageNotPurchasable(ValidationFailed):
    """Not a star package on sale."""

    code = "package_not_purchasable"


class PaymentIntentConflict(Conflict):
    """The PaymentIntent is already recorded for another user or package."""

    code = "payment_intent_conflict"


class InvalidPaymentIntent(ValidationFailed):
    code = "invalid_payment_intent"


class PaymentProviderUnavailable(ServiceUnavailable):
    code = "payment_provider_unavailable"


class StripeSignatureInvalid(BadRequest):
    """The Stripe-Signature header does not match the body (Stripe expects a 400)."""

    code = "invalid_signature"


class InvalidStripePayload(BadRequest):
    """Signed, but not a Stripe event object."""

    code = "invalid_payload"


class WebhookFailed(ServiceUnavailable):
    """The event could not be applied: Stripe retries."""

    code = "webhook_failed"
