"""Payments payloads, and the narrow shapes of the Stripe objects the webhook reads."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StrictBool, StrictInt, computed_field

from mimi.model import Model


class PackagePublic(Model):
    id: str
    title: str
    price_satang: int
    currency: str
    stars: int
    popular: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def price_thb(self) -> float:
        return self.price_satang / 100


class Package(PackagePublic):
    """A package as stored: also whether it is on sale and what it sells."""

    kind: str
    active: bool


# The star packages on sale (0009_payments.sql; a test checks this against the database). The document lists
# them as the enum of package_id; the code looks the id up, so a new package sells before the document knows it.
PACKAGE_IDS = ("stars_10", "stars_25", "stars_60")


class IntentCreate(Model):
    model_config = ConfigDict(extra="forbid")

    package_id: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_]+$",
        json_schema_extra={"enum": list(PACKAGE_IDS)},
        description="A package id from GET /packages.",
    )


class IntentPublic(Model):
    payment_id: str
    payment_intent_id: str
    client_secret: str
    amount: int
    currency: str
    package_id: str
    stars: int


class PaymentPublic(Model):
    id: str
    package_id: str
    amount_satang: int
    currency: str
    status: str
    stars: int
    stars_credited: int
    stars_clawed_back: int
    amount_refunded: int
    created_at: datetime


class PaymentRecord(PaymentPublic):
    """A payment row with its position in the user's history (the page cursor)."""

    seq: int


class RecordedPayment(Model):
    """The pending payment record_payment_intent stored (or found, for a retried call)."""

    id: str


class CreatedIntent(Model):
    """The parts of Stripe's PaymentIntent the app needs to confirm it."""

    id: str
    client_secret: str
    amount: int
    currency: str


class EventPayment(Model):
    """The payment an applied event touched, as far as the webhook reads it."""

    id: str
    stars: int


class StripeEventResult(Model):
    """What apply_stripe_event or record_invalid_stripe_event did with an event."""

    outcome: str = "unknown"
    reason: str | None = None
    payment: EventPayment | None = None  # absent for events that touched no payment


class StripeObject(Model):
    """Any Stripe API object: the fields we read, the rest kept as sent."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=3, max_length=255)
    object: str


# Stripe amounts have at most eight digits; anything larger can never be a real charge (or fit our columns).
StripeAmount = Annotated[int, Field(ge=0, le=99_999_999)]


class PaymentIntentObject(StripeObject):
    amount: StripeAmount
    currency: str
    metadata: dict[str, str] = Field(default_factory=lambda: {})
    latest_charge: str | None = None


class ChargeObject(StripeObject):
    amount: StripeAmount
    amount_refunded: StripeAmount
    currency: str
    payment_intent: str | None = None


class DisputeObject(StripeObject):
    charge: str | None = None
    payment_intent: str | None = None
    status: str
    amount: StripeAmount


class EventData(Model):
    object: dict[str, Any]


class StripeEvent(Model):
    """A Stripe event envelope (`object: event`)."""

    id: str = Field(pattern=r"^evt_[A-Za-z0-9_]{1,200}$")
    object: str = Field(pattern=r"^event$")
    type: str = Field(min_length=1, max_length=100)
    created: StrictInt
    livemode: StrictBool = False
    data: EventData


class WebhookReceipt(Model):
    received: bool = True
    event_id: str
    outcome: str
