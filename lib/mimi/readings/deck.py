"""The 78-card Rider-Waite tarot deck (deck.json, mirrored in the public.cards table) and drawing from it."""

from __future__ import annotations

import secrets
from functools import cache
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Arcana = Literal["major", "minor"]
Suit = Literal["wands", "cups", "swords", "pentacles"]
Keywords = Annotated[tuple[str, ...], Field(min_length=3, max_length=5)]
Meaning = Annotated[str, Field(min_length=1, max_length=200)]

DECK_SIZE = 78
_rng = secrets.SystemRandom()


class Card(BaseModel):
    """One tarot card: names, keywords and upright meaning in Thai and English, plus its image file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name_en: str
    name_th: str
    arcana: Arcana
    suit: Suit | None
    number: Annotated[int, Field(ge=0, le=21)]
    keywords_th: Keywords
    keywords_en: Keywords
    meaning_th: Meaning
    meaning_en: Meaning
    image: str


_DECK_ADAPTER = TypeAdapter(tuple[Card, ...])


@cache
def load_deck() -> tuple[Card, ...]:
    """The whole deck in order: majors 0-21, then wands, cups, swords, pentacles 1-14 (read once)."""
    raw = files("mimi.readings").joinpath("deck.json").read_text(encoding="utf-8")
    deck = _DECK_ADAPTER.validate_json(raw)
    if len(deck) != DECK_SIZE:
        raise ValueError(f"deck.json holds {len(deck)} cards, expected {DECK_SIZE}")
    return deck


def draw(n: int) -> list[Card]:
    """Draw n distinct cards uniformly at random with the OS CSPRNG (0 <= n <= 78)."""
    if not 0 <= n <= DECK_SIZE:
        raise ValueError(f"can draw between 0 and {DECK_SIZE} cards, not {n}")
    return _rng.sample(load_deck(), n)
