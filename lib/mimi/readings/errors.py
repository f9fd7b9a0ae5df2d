"""The readings domain's errors that spreads, the daily card and follow-ups can answer (raised in SQL by code)."""

from __future__ import annotations

from mimi.errors import Conflict, NotFound, ValidationFailed


class ReadingNotFound(NotFound):
    """Not one of the caller's readings (another user's, deleted, or not a reading id at all)."""

    code = "reading_not_found"


class ReadingNotCompleted(Conflict):
    code = "reading_not_completed"


class SpreadUnknown(ValidationFailed):
    """No active spread has this id (GET /spreads lists them)."""

    code = "spread_unknown"


class FollowUpLimit(Conflict):
    """The reading already has as many follow-up questions as allowed (app_settings.follow_ups_per_reading)."""

    code = "follow_up_limit"


class InsufficientCredits(Conflict):
    """Not enough free points or stars for the price."""

    code = "insufficient_credits"
