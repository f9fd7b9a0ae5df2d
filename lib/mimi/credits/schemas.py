"""Credits payloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ExchangeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stars: int = Field(ge=1, le=100000, strict=True)


class ExchangePublic(BaseModel):
    stars_bought: int
    coins_spent: int
    wallet: dict[str, Any]


class CheckInPublic(BaseModel):
    day: date
    streak: int
    reward: dict[str, int]
    wallet: dict[str, Any]


class ReferralSummary(BaseModel):
    """The caller's referral code and what it has earned so far."""

    code: str
    invited_count: int
    rewarded_count: int
    coins_earned: int


class ReferralPublic(BaseModel):
    code: str
    share_link: str
    invited_count: int
    rewarded_count: int
    coins_earned: int
