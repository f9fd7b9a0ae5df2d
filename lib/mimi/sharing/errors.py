"""Sharing's failures, one class per stable code (the SQL functions raise the same codes)."""

from __future__ import annotations

from mimi.errors import Conflict, NotFound


class ShareNotFound(NotFound):
    code = "share_not_found"


class ReadingNotCompleted(Conflict):
    code = "reading_not_completed"


class TooManyShares(Conflict):
    code = "too_many_shares"
