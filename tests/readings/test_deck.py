"""The tarot deck: shape of deck.json, Thai content, drawing, and agreement with the public.cards table."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi.readings.deck import Card, draw, draw_oriented, load_deck
from mimi_local.pg import PgCluster

THAI = re.compile("[\u0e00-\u0e7f]")
SUITS = ("wands", "cups", "swords", "pentacles")


def test_deck_has_78_unique_cards() -> None:
    deck = load_deck()
    assert len(deck) == 78
    for field in ("id", "name_en", "name_th", "image"):
        values = [getattr(c, field) for c in deck]
        duplicates = [v for v, k in Counter(values).items() if k > 1]
        assert duplicates == [], f"duplicate {field}: {duplicates}"


def test_majors_then_suits_in_order() -> None:
    deck = load_deck()
    majors = [c for c in deck if c.arcana == "major"]
    assert [c.number for c in majors] == list(range(22))
    assert all(c.suit is None for c in majors)
    assert list(deck[:22]) == majors
    for i, suit in enumerate(SUITS):
        cards = deck[22 + 14 * i : 22 + 14 * (i + 1)]
        assert [c.suit for c in cards] == [suit] * 14
        assert [c.number for c in cards] == list(range(1, 15))
        assert all(c.arcana == "minor" for c in cards)


@pytest.mark.parametrize("card", load_deck(), ids=lambda c: c.id)
def test_card_fields(card: Card) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", card.id)
    assert THAI.search(card.name_th)
    assert not re.search(r"[A-Za-z()]", card.name_th)
    assert THAI.search(card.meaning_th)
    assert 3 <= len(card.keywords_th) <= 5
    assert 3 <= len(card.keywords_en) <= 5
    assert all(k.strip() and THAI.search(k) for k in card.keywords_th)
    assert all(k.strip() and not THAI.search(k) for k in card.keywords_en)
    assert 0 < len(card.meaning_th) <= 200
    assert 0 < len(card.meaning_en) <= 200
    assert not THAI.search(card.name_en + card.meaning_en)
    assert THAI.search(card.meaning_reversed_th)
    assert not THAI.search(card.meaning_reversed_en)
    assert 0 < len(card.meaning_reversed_th) <= 200
    assert 0 < len(card.meaning_reversed_en) <= 200
    assert card.meaning_reversed_th != card.meaning_th
    assert card.meaning_reversed_en != card.meaning_en
    assert card.image.endswith(".jpg")
    if card.arcana == "major":
        assert card.image.startswith(f"major_{card.number:02d}_")
    else:
        assert card.image.startswith(f"{card.suit}_{card.number:02d}_")
        assert card.id.endswith(f"-of-{card.suit}")


def test_known_cards() -> None:
    by_id = {c.id: c for c in load_deck()}
    assert by_id["the-fool"].name_th == "คนโง่"
    assert by_id["the-fool"].image == "major_00_the_fool.jpg"
    assert by_id["ace-of-cups"].name_en == "Ace of Cups"
    assert by_id["ace-of-cups"].name_th == "เอซถ้วย"
    assert by_id["ace-of-cups"].image == "cups_01_ace.jpg"
    assert by_id["knight-of-swords"].name_th == "อัศวินดาบ"
    assert by_id["knight-of-swords"].number == 12
    assert by_id["knight-of-wands"].image == "wands_12_knight.jpg"
    assert by_id["the-world"].number == 21


def test_every_reversed_meaning_is_its_own() -> None:
    deck = load_deck()
    for field in ("meaning_reversed_th", "meaning_reversed_en"):
        values = [getattr(c, field) for c in deck]
        assert len(set(values)) == 78, field
    assert not {c.meaning_reversed_en for c in deck} & {c.meaning_en for c in deck}


def test_about_half_the_drawn_cards_are_reversed_when_reversals_are_on() -> None:
    drawn = [d for _ in range(100) for d in draw_oriented(10, reversals=True)]
    share = sum(d.reversed for d in drawn) / len(drawn)
    assert 0.42 < share < 0.58  # 1000 fair coins: outside this happens about once in 10^6 runs
    assert {d.orientation for d in drawn} == {"upright", "reversed"}
    one = next(d for d in drawn if d.reversed)
    assert one.meaning("th") == one.card.meaning_reversed_th
    assert one.meaning("en") == one.card.meaning_reversed_en


def test_no_card_is_reversed_when_reversals_are_off() -> None:
    drawn = [d for _ in range(50) for d in draw_oriented(10, reversals=False)]
    assert not any(d.reversed for d in drawn)
    assert drawn[0].meaning("th") == drawn[0].card.meaning_th


def test_draw_leaves_out_excluded_cards() -> None:
    kept = [c.id for c in load_deck()[:3]]
    excluded = {c.id for c in load_deck()} - set(kept)
    for _ in range(10):
        assert sorted(c.id for c in draw(3, exclude=excluded)) == sorted(kept)
    with pytest.raises(ValueError):
        draw(4, exclude=excluded)


def test_load_deck_is_cached() -> None:
    assert load_deck() is load_deck()


@pytest.mark.parametrize("n", [1, 3, 5, 10, 78])
def test_draw_gives_distinct_cards(n: int) -> None:
    for _ in range(20):
        cards = draw(n)
        assert len(cards) == n
        assert len({c.id for c in cards}) == n
        assert all(isinstance(c, Card) for c in cards)


def test_draw_varies_and_rejects_bad_counts() -> None:
    assert len({tuple(c.id for c in draw(3)) for _ in range(30)}) > 1
    assert draw(0) == []
    for bad in (-1, 79):
        with pytest.raises(ValueError):
            draw(bad)


def _rows(conn: psycopg.Connection[dict[str, Any]]) -> list[dict[str, Any]]:
    return conn.execute("select * from public.cards order by id").fetchall()


def test_sql_table_matches_deck_json(pg: PgCluster) -> None:
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        rows = _rows(conn)
    expected = sorted((c.model_dump(mode="json") for c in load_deck()), key=lambda c: c["id"])
    assert [r["id"] for r in rows] == [c["id"] for c in expected]
    for row, card in zip(rows, expected, strict=True):
        assert row == card, card["id"]


def test_anyone_can_read_but_not_write(pg: PgCluster) -> None:
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        for role in ("anon", "authenticated"):
            with conn.transaction():
                conn.execute(f"set local role {role}")
                assert len(_rows(conn)) == 78
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(f"set local role {role}")
                conn.execute("update public.cards set name_en = 'x' where id = 'the-fool'")
