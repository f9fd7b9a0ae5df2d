"""Share rules: a 256-bit token made here and stored only as its SHA-256 (SQL hashes the raw token to open a link);
links open the LIFF app's shared page."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import TYPE_CHECKING
from uuid import UUID

from mimi.config import get_settings
from mimi.sharing import repository
from mimi.sharing.errors import ShareNotFound
from mimi.sharing.flex import flex_message
from mimi.sharing.schemas import (
    ShareCreate,
    ShareCreatedPublic,
    SharedReadingPublic,
    SharesRevokedPublic,
)

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

TOKEN_BYTES = 32  # 256 bits: unguessable, and a lookup learns nothing about other links
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def share_url(token: str) -> str:
    """The link a friend opens: the LIFF app's shared-reading page."""
    return f"{get_settings().liff_url.rstrip('/')}/shared/{token}"


def create(caller: Caller, reading_id: UUID, body: ShareCreate) -> ShareCreatedPublic:
    """A new link to one of the caller's completed readings, with its Flex message (limited per user and reading)."""
    from mimi.ratelimit import enforce  # Upstash loads when a link is made, not for the public view

    enforce("shares", caller.user_id, get_settings().shares_per_hour, 3600, fail_open=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    made = repository.create_share(
        caller, reading_id, token_hash=token_hash(token), include_question=body.include_question
    )
    url = share_url(token)
    view = SharedReadingPublic(
        language=made.language, header=made.header, final=made.final, cards=made.cards
    )
    return ShareCreatedPublic(
        reading_id=made.reading_id,
        url=url,
        token=token,
        include_question=made.include_question,
        created_at=made.created_at,
        flex_message=flex_message(view, url),
    )


def revoke(caller: Caller, reading_id: UUID) -> SharesRevokedPublic:
    """Every live link of the reading stops working."""
    return repository.revoke_shares_for_reading(caller, reading_id)


def shared(token: str) -> SharedReadingPublic:
    """The public view behind a link; 404 for a malformed, unknown, revoked or deleted one."""
    if not TOKEN.match(token):
        raise ShareNotFound("This link does not exist or was revoked.")
    return repository.get_shared_reading_by_token(token=token)
