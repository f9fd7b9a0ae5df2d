"""Credit operations for the calling user (their JWT: the SQL acts on auth.uid())."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import call

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def exchange_coins(caller: Caller, stars: int, key: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "exchange_coins", {"p_stars": stars, "p_key": key})
    return result


def daily_check_in(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "daily_check_in")
    return result


def referral_summary(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "referral_summary")
    return result
