"""Admin payloads: what admins send (each action with its reason) and what they see."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool

from mimi.model import Model, one_change_at_least

Currency = Literal["star", "free_point", "coin", "exp"]


# what admin_find_user looks up (the SQL decides; this pattern only documents it)
USER_QUERY_PATTERN = (
    r"^(U[0-9a-f]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[A-Za-z0-9]{8})$"
)


def path_id(raw: str) -> UUID | None:
    """An id from the path, or None when it is not a UUID (it names nothing)."""
    try:
        return UUID(raw)
    except ValueError:
        return None


class AdminMe(Model):
    user_id: str
    is_admin: bool


class UserQuery(Model):
    """?q=: a LINE user id (U…), a user id (UUID) or a referral code."""

    q: str = Field(
        min_length=1,
        max_length=64,
        json_schema_extra={"pattern": USER_QUERY_PATTERN},
        description="Anything else answers 422 invalid_user_query.",
    )


class LimitQuery(Model):
    limit: int = Field(default=50, ge=1, le=200)


class LedgerQuery(LimitQuery):
    before: int | None = Field(default=None, ge=1, le=2**63 - 1)


class ReadingsQuery(LimitQuery):
    state: Literal["stuck", "failed", "dlq"]
    older_than_s: int = Field(default=600, ge=0, le=30 * 86400)


class AuditQuery(LimitQuery):
    user_id: UUID | None = None


class WalletAdmin(Model):
    stars: int
    free_points: int
    coins: int
    exp: int
    level: int
    frozen: bool
    frozen_by_admin: bool
    clawback_debt: int


class UserAdmin(Model):
    id: str
    line_user_id: str | None
    display_name: str | None
    language: str
    referral_code: str | None
    created_at: datetime
    last_login_at: datetime
    deleted_at: datetime | None
    is_admin: bool
    wallet: WalletAdmin | None
    open_disputes: int
    flagged_payments: int


class LedgerEntryAdmin(Model):
    id: int
    currency: str
    delta: int
    reason: str
    ref: str | None
    idempotency_key: str
    created_at: datetime


class ReadingAdmin(Model):
    id: str
    user_id: str
    status: str
    question: str | None
    language: str
    depth: str
    header: str | None = None
    failure_reason: str | None
    attempts: int
    provider: str | None = None
    model: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    deleted_at: datetime | None = None


class PaymentAdmin(Model):
    id: str
    user_id: str
    package_id: str
    payment_intent_id: str
    origin: str
    amount_satang: int
    status: str
    stars: int
    stars_credited: int
    stars_clawed_back: int
    amount_refunded: int
    flagged: bool
    flag_reason: str | None
    dispute_status: str | None
    resolution: str | None
    created_at: datetime


class ReasonBody(Model):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=3, max_length=500
    )  # the SQL function checks it too (reason_required)


class AdjustmentCreate(ReasonBody):
    """Add to (delta > 0) or deduct from one balance; `clawback` lets a star deduction go below zero."""

    currency: Currency
    delta: int = Field(
        ge=-100_000, le=100_000, strict=True, json_schema_extra={"not": {"const": 0}}
    )
    clawback: StrictBool = False


class AdjustmentPublic(Model):
    """An adjustment applied, or (above the approval threshold) waiting for a second admin: then the wallet is
    as it was and `request_id` names the pending request."""

    status: Literal["applied", "pending_approval"] = "applied"
    request_id: UUID | None = None
    currency: Currency
    delta: int
    wallet: WalletAdmin
    replayed: bool


class AdjustmentRequestsQuery(LimitQuery):
    status: Literal["pending", "approved", "rejected"] = "pending"


class AdjustmentRequestAdmin(Model):
    """An adjustment above the threshold: who asked, and who approved or rejected it (never the one who asked)."""

    id: UUID
    user_id: UUID
    currency: Currency
    delta: int
    clawback: bool
    reason: str
    requested_by: UUID
    requested_at: datetime
    status: Literal["pending", "approved", "rejected"]
    decided_by: UUID | None
    decided_at: datetime | None
    decision_reason: str | None
    result: dict[str, Any] | None
    replayed: bool = False


class PaymentResolution(ReasonBody):
    action: Literal["credit", "dismiss"]


class RequeuedReading(ReadingAdmin):
    """A reading queued again, with the audit id of this retry (its QStash deduplication id)."""

    retry_id: int


class ReadingRetried(RequeuedReading):
    published: bool


class ReadingRefunded(ReadingAdmin):
    refund: dict[str, Any]


class SettingUpdate(ReasonBody):
    value: int = Field(ge=-(2**31), le=2**31 - 1, strict=True)


class SettingAdmin(Model):
    key: str
    value: int
    description: str
    min_value: int
    max_value: int


class PackageSave(ReasonBody):
    """A new package (title, price_satang and stars required) or the fields of one to change."""

    title: str | None = Field(default=None, min_length=1, max_length=100)
    price_satang: int | None = Field(default=None, ge=1000, le=10_000_000, strict=True)
    stars: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    popular: StrictBool | None = None
    active: StrictBool | None = None
    sort: int | None = Field(default=None, ge=-9999, le=9999, strict=True)


class PackageAdmin(Model):
    id: str
    kind: str
    title: str
    price_satang: int
    currency: str
    stars: int
    popular: bool
    active: bool
    sort: int


class SpreadSave(ReasonBody):
    """The fields of a spread to change (at least one); the three position arrays must end up card_count long
    (checked in SQL). Numbers and `active` are strict: "yes" is not a boolean, false is not 0."""

    model_config = ConfigDict(json_schema_extra=one_change_at_least)

    name_th: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    position_keys: list[str] | None = Field(default=None, min_length=1, max_length=10)
    positions_th: list[str] | None = Field(default=None, min_length=1, max_length=10)
    positions_en: list[str] | None = Field(default=None, min_length=1, max_length=10)
    card_count: int | None = Field(default=None, ge=1, le=10, strict=True)
    price: int | None = Field(
        default=None, ge=0, le=100, strict=True, description="In credits; 0 is free."
    )
    active: StrictBool | None = None
    sort_order: int | None = Field(default=None, ge=-9999, le=9999, strict=True)


class SpreadAdmin(Model):
    id: str
    name_th: str
    name_en: str
    position_keys: list[str]
    positions_th: list[str]
    positions_en: list[str]
    card_count: int
    price: int
    active: bool
    sort_order: int


class CatalogAdmin(Model):
    settings: list[SettingAdmin]
    packages: list[PackageAdmin]
    spreads: list[SpreadAdmin]


class AuditEntry(Model):
    id: int
    admin_id: str | None
    actor: str
    action: str
    target_user_id: str | None
    target: str | None
    reason: str
    before: Any
    after: Any
    created_at: datetime
