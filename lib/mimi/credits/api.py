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
from mimi.errors import ValidationFailed

router = APIRouter()


def _idempotency_key(header: str | None) -> str:
    """The client's Idempotency-Key (so a retried tap exchanges once), else a fresh one."""
    if header is None:
        return uuid.uuid4().hex
    if not 8 <= len(header) <= 100 or not header.isascii():
        raise ValidationFailed("Idempotency-Key: 8 to 100 ASCII characters", code="invalid_idempotency_key")
    return header


@router.post("/exchange", response_model=ExchangePublic)
def exchange(body: ExchangeCreate, caller: CurrentUser,
             idempotency_key: Annotated[str | None, Header()] = None) -> ExchangePublic:
    result = repository.exchange_coins(caller, body.stars, _idempotency_key(idempotency_key))
    return ExchangePublic.model_validate(result)


@router.post("/daily", response_model=CheckInPublic)
def daily(caller: CurrentUser) -> CheckInPublic:
    return CheckInPublic.model_validate(repository.daily_check_in(caller))


@router.get("/referral", response_model=ReferralPublic)
def referral(caller: CurrentUser) -> ReferralPublic:
    summary = repository.referral_summary(caller)
    link = f"{get_settings().liff_url}?{urlencode({'ref': summary['code']})}"
    return ReferralPublic(share_link=link, **summary)
