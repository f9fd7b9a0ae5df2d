"""A reading as far as it is written: the partial JSON of a streamed reply, parsed with jiter's partial mode and
passed through the same validators (caps, list limits, card alignment) as the final reply."""

from functools import cache
from typing import Annotated, Any

import jiter
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from mimi.agent.client import ProviderFailed
from mimi.agent.output import card_meanings
from mimi.agent.prompt import Spread
from mimi.agent.schema import MAX_CARDS, CardReading, ReadingOutput, Rejection
from mimi.model import Model
from mimi.readings.deck import DrawnCard

TEXTS = ("header", "reading", "suggestions", "next_questions", "final", "end", "notice")


class ReadingDraft(Model):
    """What the user may see of one attempt so far. No reading text until the question is known to be accepted;
    a refusal shows only its complete rejection. `writing` is the top-level field the model is writing (None
    before the first): a field is complete once `writing` has moved past it."""

    model_config = ConfigDict(frozen=True)

    attempt: int
    provider: str
    received: int = (
        0  # characters of the reply received so far in this attempt (grows with every draft)
    )
    writing: str | None = None
    accepted: bool | None = None
    rejection: Rejection | None = None
    header: str = ""
    cards: list[CardReading] = Field(
        default_factory=lambda: []
    )  # drawn cards already explained, in order
    reading: str = ""
    suggestions: list[str] = Field(default_factory=lambda: [])
    next_questions: list[str] = Field(default_factory=lambda: [])
    final: str = ""
    end: str = ""
    notice: str = ""


@cache
def _field(name: str) -> TypeAdapter[Any]:
    """A validator for one field of the final reply, with its caps and limits."""
    info = ReadingOutput.model_fields[name]
    field_type: Any = (
        Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    )
    return TypeAdapter(field_type)


def partial_reply(content: str) -> dict[str, Any]:
    """The fields of a reply so far (the last string may be cut short); ProviderFailed when it is not JSON."""
    text = content.lstrip()
    if text.startswith("```"):
        text = text.partition("\n")[2]
    if not text.strip():
        return {}
    try:
        value = jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except ValueError as exc:
        raise ProviderFailed("invalid_output") from exc
    if not isinstance(value, dict):
        raise ProviderFailed("invalid_output")
    return value


def reading_draft(
    reply: dict[str, Any], draft: ReadingDraft, cards: list[DrawnCard], spread: Spread
) -> ReadingDraft:
    """`draft` (attempt, provider, received) filled with what the reply says so far, sanitised."""
    writing = next(reversed(reply), None)
    accepted = _valid("accepted", reply)
    fields: dict[str, Any] = {"writing": writing, "accepted": accepted}
    if accepted is False and "rejection" in reply and writing != "rejection":
        fields["rejection"] = _valid("rejection", reply)
    if accepted is True:
        fields |= {name: value for name in TEXTS if (value := _valid(name, reply)) is not None}
        fields["cards"] = _cards(reply.get("cards"), cards, spread)
    return draft.model_copy(update=fields)


def _valid(name: str, reply: dict[str, Any]) -> Any:
    """A field of the partial reply through the final reply's validator; None when absent or not valid yet."""
    if name not in reply:
        return None
    try:
        return _field(name).validate_python(reply[name])
    except ValidationError:
        return None


def _cards(said: Any, cards: list[DrawnCard], spread: Spread) -> list[CardReading]:
    """The drawn cards the model has begun to explain, each with its meaning so far (never the deck's)."""
    entries: list[CardReading] = []
    for entry in said[:MAX_CARDS] if isinstance(said, list) else []:
        try:
            entries.append(CardReading.model_validate({"meaning": "", **entry}))
        except (ValidationError, TypeError):
            continue  # not far enough yet (no id or orientation), or not an object
    return card_meanings(entries, cards, spread, lambda _: "")
