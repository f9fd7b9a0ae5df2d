"""credits routes: POST /exchange, POST /daily, GET /referral."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Header

from mimi.auth.deps import CurrentUser
from mimi.config import get_settings
from mimi.credits import repository
from mimi.credits.schemas import CheckInPublic, ExchangeCreate, ExchangePublic, ReferralPublic
from mimi.idempotency import client_key

router = APIRouter()


@router.post("/exchange", response_model=ExchangePublic)
def exchange(body: ExchangeCreate, caller: CurrentUser,
             idempotency_key: Annotated[str | None, Header()] = None) -> ExchangePublic:
    result = repository.exchange_coins(caller, body.stars, client_key(idempotency_key) or uuid.uuid4().hex)
    return ExchangePublic.model_validate(result)


@router.post("/daily", response_model=CheckInPublic)
def daily(caller: CurrentUser) -> CheckInPublic:
    return CheckInPublic.model_validate(repository.daily_check_in(caller))


@router.get("/referral", response_model=ReferralPublic)
def referral(caller: CurrentUser) -> ReferralPublic:
    summary = repository.referral_summary(caller)
    link = f"{get_settings().liff_url}?{urlencode({'ref': summary['code']})}"
    return ReferralPublic(share_link=link, **summary)
