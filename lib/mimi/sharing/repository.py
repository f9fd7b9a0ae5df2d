"""Share links in Postgres: the owner acts as themself (their token), the public view goes through the anon key."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from mimi.db import anon_client, call_as
from mimi.sharing.schemas import SharedReadingPublic, ShareRow, SharesRevokedPublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def create_share(
    caller: Caller, reading_id: UUID, *, token_hash: str, include_question: bool
) -> ShareRow:
    """A new link (its token's hash) to one of the caller's completed readings, with the reading's public view."""
    params = {
        "p_id": str(reading_id),
        "p_token_hash": token_hash,
        "p_include_question": include_question,
    }
    return call_as(ShareRow, caller.db(), "share_reading", params)


def revoke_shares_for_reading(caller: Caller, reading_id: UUID) -> SharesRevokedPublic:
    return call_as(
        SharesRevokedPublic, caller.db(), "revoke_reading_shares", {"p_id": str(reading_id)}
    )


def get_shared_reading_by_token(*, token: str) -> SharedReadingPublic:
    """The public view by the raw link token: SQL hashes it (the stored hash opens nothing)."""
    return call_as(SharedReadingPublic, anon_client(), "shared_reading", {"p_token": token})
