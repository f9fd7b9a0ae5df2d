"""Profile payloads."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=100)
    language: Literal["th", "en"] | None = None
    notify_line: StrictBool | None = None  # a LINE message when a reading is ready (opt-in)

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
    def _something_to_change(self) -> ProfileUpdate:
        if self.display_name is None and self.language is None and self.notify_line is None:
            raise ValueError("send display_name, language and/or notify_line")
        return self


class ProfilePublic(BaseModel):
    id: str
    display_name: str
    picture_url: str | None
    language: str
    notify_line: bool = False
    referral_code: str
    created_at: datetime
    wallet: dict[str, Any]


class LedgerRowPublic(BaseModel):
    id: int
    currency: str
    delta: int
    reason: str
    ref: str | None
    created_at: datetime


class AccountExport(BaseModel):
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
