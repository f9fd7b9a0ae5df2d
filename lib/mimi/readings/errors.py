"""The readings domain's errors: submitting, spreads, follow-ups, processing, reviews and QStash deliveries."""

from __future__ import annotations

from mimi.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed


class ReadingNotFound(NotFound):
    """Not one of the caller's readings (another user's, deleted, or not a reading id at all)."""

    code = "reading_not_found"


class ReadingNotQueued(Conflict):
    code = "reading_not_queued"


class ReadingNotClaimed(Conflict):
    code = "reading_not_claimed"


class ReadingNotCompleted(Conflict):
    code = "reading_not_completed"


class SpreadUnknown(ValidationFailed):
    """No active spread has this id (GET /spreads lists them)."""

    code = "spread_unknown"


class FollowUpLimit(Conflict):
    """The reading already has as many follow-up questions as allowed (app_settings.follow_ups_per_reading)."""

    code = "follow_up_limit"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


class InvalidQuestion(ValidationFailed):
    code = "invalid_question"


class InvalidDepth(ValidationFailed):
    code = "invalid_depth"


class InvalidAccuracy(ValidationFailed):
    code = "invalid_accuracy"


class InvalidComment(ValidationFailed):
    code = "invalid_comment"


class SweepTooEarly(ValidationFailed):
    code = "sweep_too_early"


class QueueUnavailable(ServiceUnavailable):
    """QStash did not take the job (the star was given back)."""

    code = "queue_unavailable"


class QStashSignatureInvalid(Unauthorized):
    """A delivery not signed by QStash (for this URL, with a current key)."""

    code = "invalid_signature"


class InvalidJob(ValidationFailed):
    code = "invalid_job"


class InvalidCallback(ValidationFailed):
    code = "invalid_callback"


class InvalidDraft(ValidationFailed):
    """A draft the processor sent is not one (no object, an attempt below 1, a negative count)."""

    code = "invalid_draft"


class DraftTooLarge(ValidationFailed):
    code = "draft_too_large"


class ReadingCardsDiffer(Conflict):
    """A processor from before 0028 read other cards than those drawn when the reading was paid for (retried)."""

    code = "reading_cards_differ"
