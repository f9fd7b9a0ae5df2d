"""Profile payloads."""

import unicodedata
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, field_validator, model_validator

from mimi.credits.schemas import WalletPublic
from mimi.model import Model, one_change_at_least

# What the document states (the validators below decide): not blank, no control or line-separator characters.
_NOT_IN_NAME = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
NAME_PATTERN = rf"^[^{_NOT_IN_NAME}]*[^\s{_NOT_IN_NAME}][^{_NOT_IN_NAME}]*$"


class ProfileUpdate(Model):
    """display_name, language, reversals and/or notify_line (at least one of them not null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=one_change_at_least)

    display_name: str | None = Field(
        default=None,
        max_length=100,
        json_schema_extra={"pattern": NAME_PATTERN},
        description="1 to 100 characters after trimming; no control characters.",
    )
    language: Literal["th", "en"] | None = None
    reversals: bool | None = Field(
        default=None, strict=True, description="Whether drawn cards may come up reversed."
    )
    notify_line: bool | None = Field(
        default=None,
        strict=True,
        description="Whether a LINE message says when a reading is ready (opt-in).",
    )

    @field_validator("display_name")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if not value:
            raise ValueError("must not be empty")
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ValueError("must not contain control characters")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if (
            self.display_name is None
            and self.language is None
            and self.reversals is None
            and self.notify_line is None
        ):
            raise ValueError("send display_name, language, reversals and/or notify_line")
        return self


class ProfilePublic(Model):
    id: str
    display_name: str
    picture_url: str | None
    language: str
    reversals: bool = True
    notify_line: bool = False
    referral_code: str
    created_at: datetime
    wallet: WalletPublic


class LedgerRowPublic(Model):
    id: int
    currency: str
    delta: int
    reason: str
    ref: str | None
    created_at: datetime


class AccountDeletion(Model):
    """What delete_my_account did (a second call replays)."""

    deleted: bool
    deleted_at: datetime
    replayed: bool


class AccountExport(Model):
    """Everything stored about the user (PDPA right of access), as export_my_data() builds it."""

    format: str
    exported_at: datetime
    user: dict[str, Any]
    wallet: dict[str, Any] | None
    ledger: list[dict[str, Any]]
    readings: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    stripe_events: list[dict[str, Any]]
    referrals: dict[str, Any]
    sessions: list[dict[str, Any]]
    share_links: list[dict[str, Any]]  # a hash prefix each, never the token or its hash
    admin_actions: list[dict[str, Any]]  # what, on what, when and why; never which admin
    old_app_user_id: str | None
    exports: list[datetime]
