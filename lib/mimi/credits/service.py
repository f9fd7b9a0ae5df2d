"""Credit rules on the Python side: the numbers live in SQL; here, only what the app is shown around them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from mimi.config import get_settings
from mimi.credits import repository
from mimi.credits.schemas import CheckInPublic, ExchangePublic, ReferralPublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def exchange(caller: Caller, stars: int, key: str) -> ExchangePublic:
    """Exchange coins for stars (once per key)."""
    return repository.exchange_coins(caller, stars=stars, key=key)


def check_in(caller: Caller) -> CheckInPublic:
    """The daily check-in reward, once a day."""
    return repository.daily_check_in(caller)


def referral(caller: Caller) -> ReferralPublic:
    """The caller's referral summary and the LIFF link that carries their code."""
    summary = repository.get_referral_summary(caller)
    link = f"{get_settings().liff_url}?{urlencode({'ref': summary.code})}"
    return ReferralPublic(share_link=link, **summary.model_dump())
