"""A reply's final form: validated against the schema (its caps and limits), its cards realigned to the drawn
cards, with where it came from (AgentResult)."""

import logging
from collections.abc import Callable

from pydantic import ConfigDict, ValidationError

from mimi.agent.client import ProviderFailed
from mimi.agent.prompt import Language, Spread
from mimi.agent.schema import Analysis, CardReading, ReadingOutput, Rejection
from mimi.logs import log
from mimi.model import Model
from mimi.readings.deck import DrawnCard

REFUSAL = {
    "th": Rejection(
        reason="ขออภัยนะคะ คำถามนี้มีมี่ไม่สามารถดูไพ่ให้ได้ค่ะ",
        suggested_question="ช่วงนี้ฉันควรโฟกัสเรื่องอะไรเพื่อให้ชีวิตดีขึ้น",
    ),
    "en": Rejection(
        reason="I'm sorry, Mimi can't read the cards for this question.",
        suggested_question="What should I focus on right now to move my life forward?",
    ),
}


class AgentResult(Model):
    """A parsed reading and where it came from: provider, model, token usage, prompt version and the attempt
    (1 for the first provider tried, one more for each fallback)."""

    model_config = ConfigDict(frozen=True)

    output: ReadingOutput
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    prompt_version: str
    attempt: int = 1


def final_output(
    content: str, *, refused: bool, finish_reason: str | None, language: Language
) -> ReadingOutput:
    """The ReadingOutput in a finished reply; a model-side refusal counts as a refused question."""
    if refused:
        return refusal(language)
    if finish_reason == "length":
        raise ProviderFailed("truncated_output")
    try:
        return ReadingOutput.model_validate_json(unfence(content))
    except ValidationError as exc:
        raise ProviderFailed("invalid_output") from exc


def unfence(content: str) -> str:
    """The JSON inside a ```json fence, as some non-strict providers wrap it."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    return text


def refusal(language: Language) -> ReadingOutput:
    """A refused reading for when the model itself declines to answer."""
    return ReadingOutput(
        accepted=False,
        rejection=REFUSAL[language],
        analysis=Analysis(mood="", topic="", period=""),
        header="",
        cards=[],
        reading="",
        suggestions=[],
        next_questions=[],
        final="",
        end="",
        notice="",
    )


def card_meanings(
    said: list[CardReading],
    cards: list[DrawnCard],
    spread: Spread,
    fallback: Callable[[DrawnCard], str],
) -> list[CardReading]:
    """One entry per drawn card, in drawing order, with our ids, positions and orientations.

    The model's meaning is kept only when it named the card in the orientation drawn; otherwise (a missing card,
    or one read the wrong way up) the fallback's meaning stands in, and a card with no meaning is left out."""
    meanings = {(entry.card_id, entry.orientation): entry.meaning for entry in said}
    aligned = [
        CardReading(card_id=d.card.id, position=pos.key, orientation=d.orientation, meaning=meaning)
        for d, pos in zip(cards, spread.positions, strict=True)
        if (meaning := meanings.get((d.card.id, d.orientation)) or fallback(d))
    ]
    return aligned


def align_cards(
    output: ReadingOutput, cards: list[DrawnCard], spread: Spread, language: Language
) -> ReadingOutput:
    """The final reply's cards realigned to the drawn ones; the deck's meaning (drawn orientation) stands in for
    a card the model missed or read the wrong way up."""
    if not output.accepted:
        return output.model_copy(update={"cards": []})
    said = {(entry.card_id, entry.orientation) for entry in output.cards if entry.meaning}
    if missing := [d.card.id for d in cards if (d.card.id, d.orientation) not in said]:
        log("llm_cards_mismatch", logging.WARNING, missing=len(missing))
    aligned = card_meanings(output.cards, cards, spread, lambda d: d.meaning(language))
    return output.model_copy(update={"cards": aligned})
