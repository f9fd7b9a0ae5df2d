"""The 78-card Rider-Waite tarot deck (deck.json, mirrored in the public.cards table).

A reading's cards are drawn in SQL when it is paid for (private.draw_cards, migration 0028); draw() and
draw_oriented() here only serve `make eval`, the cost bench and the agent's tests, which need cards without a
reading."""

import secrets
from collections.abc import Collection
from functools import cache
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter

from mimi.model import Model

Arcana = Literal["major", "minor"]
Orientation = Literal["upright", "reversed"]
Suit = Literal["wands", "cups", "swords", "pentacles"]
Keywords = Annotated[tuple[str, ...], Field(min_length=3, max_length=5)]
Meaning = Annotated[str, Field(min_length=1, max_length=200)]

DECK_SIZE = 78
_rng = secrets.SystemRandom()


class Card(Model):
    """One tarot card: names, keywords, upright and reversed meanings in Thai and English, plus its image file."""

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
    meaning_reversed_th: Meaning
    meaning_reversed_en: Meaning
    image: str


class DrawnCard(Model):
    """A card as it came out of the deck: upright or reversed."""

    model_config = ConfigDict(frozen=True)

    card: Card
    reversed: bool = False

    @property
    def orientation(self) -> Orientation:
        return "reversed" if self.reversed else "upright"

    def meaning(self, language: str) -> str:
        """The deck's short meaning for this orientation, in the language (th or en)."""
        c = self.card
        if self.reversed:
            return c.meaning_reversed_th if language == "th" else c.meaning_reversed_en
        return c.meaning_th if language == "th" else c.meaning_en


@cache
def load_deck() -> tuple[Card, ...]:
    """The whole deck in order: majors 0-21, then wands, cups, swords, pentacles 1-14 (read once)."""
    raw = files("mimi.readings").joinpath("deck.json").read_text(encoding="utf-8")
    deck = TypeAdapter(tuple[Card, ...]).validate_json(raw)
    if len(deck) != DECK_SIZE:
        raise ValueError(f"deck.json holds {len(deck)} cards, expected {DECK_SIZE}")
    return deck


def draw(n: int, *, exclude: Collection[str] = ()) -> list[Card]:
    """Draw n distinct cards (none of the excluded ids) uniformly at random with the OS CSPRNG (0 <= n <= 78)."""
    pool = [card for card in load_deck() if card.id not in exclude]
    if not 0 <= n <= len(pool):
        raise ValueError(f"can draw between 0 and {len(pool)} cards, not {n}")
    return _rng.sample(pool, n)


def draw_oriented(n: int, *, reversals: bool, exclude: Collection[str] = ()) -> list[DrawnCard]:
    """Draw n distinct cards; with reversals on, each is reversed with probability 1/2 (OS CSPRNG)."""
    return [
        DrawnCard(card=card, reversed=reversals and secrets.randbits(1) == 1)
        for card in draw(n, exclude=exclude)
    ]
