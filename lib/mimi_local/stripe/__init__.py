"""Stripe stand-in: the PaymentIntents calls this backend makes, plus dev actions that send signed webhooks."""

from mimi_local.stripe.app import StripeStub, build_app, sign_payload

__all__ = ["StripeStub", "build_app", "sign_payload"]
