"""Readings payloads: what the app sends, what it gets back, and the queue messages the processor accepts."""

import unicodedata
from datetime import date, datetime
from typing import Any, Literal, NotRequired, Self
from uuid import UUID

from pydantic import ConfigDict, Field, StrictInt, field_validator, model_validator, with_config
from pydantic.config import JsonDict
from typing_extensions import TypedDict

from mimi.credits.schemas import JsonInt, Reward, WalletPublic
from mimi.model import Model
from mimi.readings.errors import ReadingNotFound

QUESTION_MIN, QUESTION_MAX = 10, 500
COMMENT_MAX = 500
# Longer raw input is refused before normalising it, so a huge body costs no work.
RAW_TEXT_MAX = 4 * QUESTION_MAX
SPREAD_ID = r"^[a-z]+(_[a-z]+)*$"

# What the document states of text (the validators decide): no control characters; LINES allows newlines.
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
LINES = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f]*$"

QUESTION_LIMITS: JsonDict = {
    "minLength": QUESTION_MIN,
    "maxLength": QUESTION_MAX,
    "pattern": ONE_LINE,
}
QUESTION_RULES = (
    "One line, 10 to 500 visible characters (Thai marks count as one, invisible ones as none), "
    "with letters; no control characters."
)

# queued (paid, cards drawn) -> processing (claimed) -> writing (a draft is stored) -> completed | rejected | failed
Status = Literal["queued", "processing", "writing", "completed", "rejected", "failed"]
Depth = Literal["standard", "deep"]
Language = Literal["th", "en"]


def parse_reading_id(raw: str) -> UUID:
    """A reading id from the path; anything that is not a UUID is simply not found."""
    try:
        return UUID(raw)
    except ValueError:
        raise ReadingNotFound("No such reading.") from None


def clean_text(value: str, *, allow_newlines: bool = False) -> str:
    """NFC-normalised and trimmed text; refuses control characters (Unicode category Cc)."""
    value = unicodedata.normalize("NFC", value).strip()
    allowed = {"\n"} if allow_newlines else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError("must not contain control characters")
    return value


def visible_text(value: str) -> str:
    """Text without format characters (Cf: zero-width spaces and joiners, BOM, bidi controls), spaces collapsed."""
    return " ".join("".join(ch for ch in value if unicodedata.category(ch) != "Cf").split())


class ReadingCreate(Model):
    """A question for Mimi, validated before any credit is spent."""

    # Length counts Unicode code points after NFC, removing format characters (Cf) and collapsing whitespace:
    # a Thai vowel or tone mark (a combining character, Mn/Mc) counts as one, as PostgreSQL's char_length does;
    # an invisible character counts as none. Every control character (Cc) is refused, newlines and tabs
    # included: a question is one line. A question must contain letters. The stored question is this text.

    model_config = ConfigDict(extra="forbid", strict=True)

    # The document states the limits a client must meet (10 to 500 characters); the raw cap only bounds work.
    question: str = Field(
        max_length=RAW_TEXT_MAX, json_schema_extra=QUESTION_LIMITS, description=QUESTION_RULES
    )
    spread: str | None = Field(
        default=None,
        pattern=SPREAD_ID,
        description="A spread id (GET /spreads); without one, depth picks it.",
    )
    depth: Depth | None = Field(
        default=None,
        description="The older choice: standard (the default) is the three-card "
        "spread, deep the five-card one.",
    )
    language: Language | None = Field(
        default=None, description="The reading's language; the profile's language when left out."
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, value: str) -> str:
        return question_text(value)


class FollowUpCreate(Model):
    """A follow-up question about a completed reading (the same rules as any question)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(
        max_length=RAW_TEXT_MAX, json_schema_extra=QUESTION_LIMITS, description=QUESTION_RULES
    )
    language: Language | None = Field(
        default=None, description="The follow-up's language; the earlier reading's when left out."
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, value: str) -> str:
        return question_text(value)


def question_text(value: str) -> str:
    """A question as stored: visible text of 10 to 500 characters that contains letters."""
    value = visible_text(clean_text(value))
    if not QUESTION_MIN <= len(value) <= QUESTION_MAX:
        raise ValueError(f"must be {QUESTION_MIN} to {QUESTION_MAX} visible characters")
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise ValueError("must contain letters")
    return value


class ReviewCreate(Model):
    """How accurate a reading felt (0-100) and an optional comment."""

    model_config = ConfigDict(extra="forbid", strict=True)

    accuracy: JsonInt = Field(ge=0, le=100, description="How accurate the reading felt, 0 to 100.")
    comment: str | None = Field(
        default=None,
        max_length=RAW_TEXT_MAX,
        json_schema_extra={"maxLength": COMMENT_MAX, "pattern": LINES},
        description="At most 500 characters after trimming; newlines allowed, no other "
        "control characters.",
    )

    @field_validator("comment")
    @classmethod
    def _clean_comment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = clean_text(value, allow_newlines=True)
        if len(value) > COMMENT_MAX:
            raise ValueError(f"must be at most {COMMENT_MAX} characters")
        return value or None


class DrawnCard(TypedDict):
    """One drawn card in its spread position (drawn in SQL when the reading was paid for)."""

    id: str
    name: str
    name_th: str
    image: str
    position: str | None
    position_th: str
    position_en: str
    orientation: NotRequired[
        Literal["upright", "reversed"]
    ]  # absent on readings drawn before reversed cards
    # the deck's meaning for its orientation, in the reading's language (absent on readings drawn before 0028)
    short_meaning: NotRequired[str]


class ResultCard(DrawnCard, total=False):
    """A card of a finished reading with what it means there (absent on readings imported from the old app)."""

    meaning: str


@with_config(ConfigDict(extra="allow"))
class ReadingResult(TypedDict):
    """The finished reading. Readings imported from the old app may lack some keys and carry others."""

    cards: list[ResultCard]
    header: NotRequired[str]
    reading: NotRequired[str]
    suggestions: NotRequired[list[str]]
    next_questions: NotRequired[list[str]]
    final: NotRequired[str]
    end: NotRequired[str]
    notice: NotRequired[str]


class AnalysisPublic(Model):
    """What the question is about."""

    mood: str
    topic: str
    period: str


class RejectionPublic(Model):
    """Why Mimi refused the question (its star was refunded) and a question she could read instead."""

    reason: str
    suggested_question: str


class DraftCard(TypedDict):
    """A drawn card the model has begun to explain: its id and position, and what it means there so far."""

    id: str
    position: str
    meaning: str


class ReadingDraftPublic(Model):
    """What may be shown of a reading being written: the newest attempt's fields so far, capped and sanitised like
    the final text. A higher attempt (a provider fallback, or QStash's redelivery) starts over: drop the text of a
    lower one. No reading text until the question is accepted; a refusal shows only its rejection."""

    attempt: int = Field(description="Grows with every provider tried, across deliveries.")
    # the field being written, in this order: accepted, rejection, header, cards, reading, suggestions,
    # next_questions, final, end, notice, analysis; every field before it is complete (None before the first)
    writing: str | None = None
    accepted: bool | None = Field(default=None, description="None until the model has decided.")
    rejection: RejectionPublic | None = Field(default=None, description="Once a refusal is known.")
    header: str = ""
    cards: list[DraftCard] = Field(
        default_factory=lambda: [],
        description="The drawn cards explained so far, in position order (match them by id).",
    )
    reading: str = ""
    suggestions: list[str] = Field(default_factory=lambda: [])
    next_questions: list[str] = Field(default_factory=lambda: [])
    final: str = ""
    end: str = ""
    notice: str = ""


class ReadingQueuedPublic(Model):
    id: UUID
    status: Status
    cards: list[DrawnCard] = Field(description="The cards drawn for it, in position order.")
    wallet: WalletPublic
    spread: str | None = None
    price: int | None = Field(
        default=None, description="What was spent, in credits (free points first, then stars)."
    )
    parent_id: UUID | None = Field(
        default=None, description="For a follow-up: the reading it asks about."
    )


class DailyCardPublic(Model):
    """Today's free card (Bangkok day): created by the first call, the same reading on every later one."""

    id: UUID
    status: Status
    spread: str
    daily_on: date
    cards: list[DrawnCard] = Field(description="Today's card.")
    created: bool


class FollowUpPublic(Model):
    """A follow-up question, threaded under the reading it asks about."""

    id: UUID
    status: Status
    question: str
    language: str
    cards: list[DrawnCard] | None
    result: ReadingResult | None
    rejection: RejectionPublic | None
    failure_reason: str | None
    created_at: datetime
    completed_at: datetime | None


class SpreadPublic(Model):
    """A spread a user can ask for: names, ordered positions, card count and price in credits."""

    id: str
    name_th: str
    name_en: str
    position_keys: list[str]
    positions_th: list[str]
    positions_en: list[str]
    card_count: int
    price: int


class ReadingPublic(Model):
    id: UUID
    status: Status
    question: str
    language: str
    depth: str
    spread: str
    parent_id: UUID | None = Field(
        default=None, description="For a follow-up: the reading it asks about."
    )
    daily_on: date | None = Field(
        default=None, description="For a card of the day: its Bangkok day."
    )
    cards: list[DrawnCard] | None = Field(
        description="The cards drawn when it was paid for, in position order (set from submit on)."
    )
    result: ReadingResult | None = Field(description="Set when status is completed.")
    draft: ReadingDraftPublic | None = Field(
        default=None,
        description="Set while status is writing: the reading so far (Realtime's `draft` messages carry the "
        "same), for a client that cannot subscribe or missed messages.",
    )
    analysis: AnalysisPublic | None
    rejection: RejectionPublic | None = Field(description="Set when status is rejected.")
    failure_reason: str | None = Field(description="Set when status is failed.")
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    follow_ups: list[FollowUpPublic] = Field(
        default_factory=lambda: [],
        description="Its follow-up questions, oldest first (none on a follow-up).",
    )


class ReadingSummaryPublic(Model):
    id: UUID
    status: Status
    question: str
    language: str
    depth: str
    spread: str
    daily_on: date | None = None
    header: str | None
    cards: list[DrawnCard] | None
    reviewed: bool
    follow_ups: int = Field(default=0, description="How many follow-up questions it has.")
    created_at: datetime
    completed_at: datetime | None


class ReviewPublic(Model):
    reading_id: UUID
    accuracy: int
    comment: str | None
    created_at: datetime
    reward: Reward
    wallet: WalletPublic


class ReadingJob(Model):
    """The body QStash delivers to the processor."""

    model_config = ConfigDict(extra="forbid")

    reading_id: UUID


class PositionSpec(Model):
    key: str
    th: str
    en: str


class FollowUpContext(Model):
    """The earlier reading a follow-up asks about, as claim_reading hands it over (never its whole text)."""

    question: str
    cards: list[dict[str, Any]] = Field(default_factory=lambda: [])
    summary: str | None = None


class FailureCallback(Model):
    """The part of QStash's failure-callback body the processor uses: the original body, base64."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source_body: str = Field(alias="sourceBody", min_length=1, max_length=4096)
    retried: StrictInt | None = None
    status: StrictInt | None = None


class QueuedReading(Model):
    """What submit_reading or ask_follow_up stored: the queued reading, what was spent and the wallet after it."""

    id: UUID
    status: Status
    cards: list[DrawnCard]
    spent: str | None = None
    wallet: WalletPublic
    spread: str | None = None
    depth: Depth | None = None  # a submitted reading's size (not sent for a follow-up)
    price: int | None = None
    parent_id: UUID | None = None  # a follow-up's reading
    # the Idempotency-Key's earlier reading: nothing was spent or drawn this time
    replayed: bool = False


class ClaimedReading(Model):
    """A reading claimed by the processor with its cards; `final` when it was already finished (nothing to do)."""

    id: UUID
    status: Status
    question: str
    language: Language
    depth: Depth
    spread: str
    final: bool
    attempts: int
    attempt_base: int = 0  # this delivery's attempts are attempt_base + 1, + 2, ... (0030)
    created_at: datetime  # submitted
    updated_at: datetime  # this claim (both Postgres' clock: the queue delay is their difference)
    # what the agent needs (only for an unfinished reading): the cards drawn when it was paid for, the spread's
    # positions in drawing order and, for a follow-up, the earlier reading
    cards: list[DrawnCard] | None = Field(default=None, max_length=10)
    positions: list[PositionSpec] = Field(default_factory=lambda: [], max_length=10)
    context: FollowUpContext | None = None

    @model_validator(mode="after")
    def _cards_in_their_positions(self) -> Self:
        if not self.final and (not self.cards or len(self.cards) != len(self.positions)):
            raise ValueError("an unfinished reading needs its cards, one for each position")
        return self


class ReadingStepResult(Model):
    """A processor step's result: the reading's status after it, and whether the step had already been done."""

    id: UUID
    status: Status
    replayed: bool
    created_at: datetime
    completed_at: datetime | None  # set when the reading completed


class DraftSaved(Model):
    """What save_reading_draft did: whether it stored the draft, the reading's status and its stored draft's place."""

    id: UUID
    status: Status
    stored: bool
    attempt: int
    received: int


class JobOutcome(Model):
    """What the processor did with one delivery."""

    reading_id: str
    status: str
    replayed: bool


class SweepOutcome(Model):
    """What a scheduled sweep refunded."""

    swept: int
    reading_ids: list[str]
