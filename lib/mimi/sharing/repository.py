"""Share links in Postgres: the owner acts as themself (their token), the public view goes through the anon key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import anon_client, call

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def create_share(caller: Caller, *, reading_id: str, token_hash: str, include_question: bool) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "share_reading", {
        "p_id": reading_id, "p_token_hash": token_hash, "p_include_question": include_question})
    return result


def revoke_shares(caller: Caller, *, reading_id: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "revoke_reading_shares", {"p_id": reading_id})
    return result


def get_shared_reading(*, token_hash: str) -> dict[str, Any]:
    result: dict[str, Any] = call(anon_client(), "shared_reading", {"p_token_hash": token_hash})
    return result
