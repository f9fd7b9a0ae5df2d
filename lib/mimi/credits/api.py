"""credits routes: POST /exchange, POST /daily, GET /referral."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from mimi.config import get_settings
from mimi.credits import repository
from mimi.credits.schemas import CheckInPublic, ExchangeCreate, ExchangePublic, ReferralPublic
from mimi.errors import Conflict, Forbidden, ValidationFailed
from mimi.idempotency import client_key
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "liff_url"))


@router.post("/exchange", body=ExchangeCreate, response=ExchangePublic, auth=True, headers=("Idempotency-Key",),
             errors=(Forbidden, Conflict, ValidationFailed))
def exchange(body: ExchangeCreate, caller: Caller, idempotency_key: str | None) -> ExchangePublic:
    """Exchange coins for stars (once per Idempotency-Key)."""
    result = repository.exchange_coins(caller, body.stars, client_key(idempotency_key) or uuid.uuid4().hex)
    return ExchangePublic.model_validate(result)


@router.post("/daily", response=CheckInPublic, auth=True, errors=(Conflict,))
def daily(caller: Caller) -> CheckInPublic:
    """The daily check-in reward, once a day."""
    return CheckInPublic.model_validate(repository.daily_check_in(caller))


@router.get("/referral", response=ReferralPublic, auth=True)
def referral(caller: Caller) -> ReferralPublic:
    """The caller's referral code, share link and rewards so far."""
    summary = repository.referral_summary(caller)
    link = f"{get_settings().liff_url}?{urlencode({'ref': summary['code']})}"
    return ReferralPublic(share_link=link, **summary)
