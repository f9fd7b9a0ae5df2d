"""What the agent reads of a claimed reading (its cards, spread, follow-up context) and what the app shows of the
agent's answer (the result around the drawn cards)."""

from __future__ import annotations

from typing import Any

from mimi.agent import AgentResult, FollowUp, Position, Spread
from mimi.readings.deck import DrawnCard, load_deck
from mimi.readings.schemas import ClaimedReading
from mimi.readings.schemas import DrawnCard as StoredCard


def deck_cards(cards: list[StoredCard]) -> list[DrawnCard]:
    """The stored cards as the agent reads them: each the deck's card, upright or reversed."""
    by_id = {card.id: card for card in load_deck()}
    return [
        DrawnCard(card=by_id[c["id"]], reversed=c.get("orientation") == "reversed") for c in cards
    ]


def result_json(agent: AgentResult, cards: list[StoredCard]) -> dict[str, Any]:
    """The finished reading the app shows: the LLM's text around the drawn cards (and what each means there)."""
    out = agent.output
    said = {entry.card_id: entry.meaning for entry in out.cards}
    return {
        "header": out.header,
        "cards": [{**card, "meaning": said.get(card["id"], "")} for card in cards],
        "reading": out.reading,
        "suggestions": out.suggestions,
        "next_questions": out.next_questions,
        "final": out.final,
        "end": out.end,
        "notice": out.notice,
    }


def spread_of(claim: ClaimedReading) -> Spread:
    """The claimed reading's spread, positions in drawing order."""
    return Spread(claim.spread, tuple(Position(p.key, p.th, p.en) for p in claim.positions))


def follow_up_of(claim: ClaimedReading) -> FollowUp | None:
    """What a follow-up is read with: the earlier question, its cards (one line each) and its short summary."""
    if claim.context is None:
        return None
    lines = tuple(
        f"- {c.get('position_en', '')}: {c.get('name', '')} | {c.get('name_th', '')} | "
        f"{c.get('orientation', 'upright')}"
        for c in claim.context.cards
    )
    return FollowUp(
        question=claim.context.question, cards=lines, summary=claim.context.summary or ""
    )
