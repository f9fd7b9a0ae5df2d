"""Credit operations for the calling user (their JWT: the SQL acts on auth.uid())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.credits.schemas import CheckInPublic, ExchangePublic, ReferralSummary
from mimi.db import call_as

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def exchange_coins(caller: Caller, *, stars: int, key: str) -> ExchangePublic:
    """Buy stars with coins, once per key."""
    return call_as(ExchangePublic, caller.db(), "exchange_coins", {"p_stars": stars, "p_key": key})


def daily_check_in(caller: Caller) -> CheckInPublic:
    return call_as(CheckInPublic, caller.db(), "daily_check_in")


def get_referral_summary(caller: Caller) -> ReferralSummary:
    return call_as(ReferralSummary, caller.db(), "referral_summary")
