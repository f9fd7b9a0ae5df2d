"""Sharing's failures, one class per stable code (the SQL functions raise the same codes; a reading that is not
completed is readings.errors.ReadingNotCompleted)."""

from __future__ import annotations

from mimi.errors import Conflict, NotFound, ValidationFailed


class ShareNotFound(NotFound):
    """No live link has this token (unknown, malformed, revoked, or its reading or account deleted)."""

    code = "share_not_found"


class TooManyShares(Conflict):
    """The reading already has 20 live links: revoke them first."""

    code = "too_many_shares"


class InvalidShareToken(ValidationFailed):
    """The stored hash of a token is not 64 hex characters (our own bug: the API makes the hash)."""

    code = "invalid_share_token"
