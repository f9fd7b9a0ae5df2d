"""credits routes: POST /exchange, POST /daily, GET /referral."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.credits import service
from mimi.credits.errors import (
    AccountFrozen,
    AlreadyCheckedIn,
    InsufficientCoins,
    InvalidAmount,
    WalletNotFound,
)
from mimi.credits.schemas import CheckInPublic, ExchangeCreate, ExchangePublic, ReferralPublic
from mimi.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey, key_or_new
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "liff_url"))


@router.post(
    "/exchange",
    body=ExchangeCreate,
    response=ExchangePublic,
    auth=True,
    headers=("Idempotency-Key",),
    parse={"idempotency_key": key_or_new},
    errors=(
        InsufficientCoins,
        AccountFrozen,
        WalletNotFound,
        InvalidAmount,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
    ),
)
def exchange(body: ExchangeCreate, caller: Caller, idempotency_key: str) -> ExchangePublic:
    """Exchange coins for stars (once per Idempotency-Key)."""
    return service.exchange(caller, body.stars, idempotency_key)


@router.post("/daily", response=CheckInPublic, auth=True, errors=(AlreadyCheckedIn, WalletNotFound))
def daily(caller: Caller) -> CheckInPublic:
    """The daily check-in reward, once a day."""
    return service.check_in(caller)


@router.get("/referral", response=ReferralPublic, auth=True)
def referral(caller: Caller) -> ReferralPublic:
    """The caller's referral code, share link and rewards so far."""
    return service.referral(caller)
