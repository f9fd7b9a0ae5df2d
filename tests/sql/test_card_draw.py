"""The one card draw in SQL (private.draw_cards, 0028): uniform over cards, positions and orientations (chi-square
over 20,000 draws in one statement), no repeats, the user's reversals choice, and the excluded cards never drawn."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login

Conn = psycopg.Connection[dict[str, Any]]
DRAWS = 20_000
SPREAD, POSITIONS = "celtic_cross", 10
DECK = 78
P_MIN = 0.001  # a fair draw fails one of the three tests below about 3 times in 1,000 runs


def chi_square_p(observed: list[int], expected: float) -> float:
    """P(a chi-square as large as this one) for counts that should each be `expected`: the exact upper tail of
    the chi-square distribution with len(observed) - 1 degrees of freedom (closed form for whole degrees)."""
    stat = sum((o - expected) ** 2 / expected for o in observed)
    return chi_square_sf(stat, len(observed) - 1)


def chi_square_sf(x: float, dof: int) -> float:
    """Q(dof/2, x/2), the regularized upper incomplete gamma, summed term by term in log space."""
    half = x / 2
    if half == 0:
        return 1.0
    if dof % 2 == 0:
        terms = [i * math.log(half) - math.lgamma(i + 1) - half for i in range(dof // 2)]
        return math.fsum(math.exp(t) for t in terms)
    terms = [
        (i - 0.5) * math.log(half) - math.lgamma(i + 0.5) - half for i in range(1, dof // 2 + 1)
    ]
    return math.erfc(math.sqrt(half)) + math.fsum(math.exp(t) for t in terms)


@pytest.mark.parametrize(
    ("x", "dof", "p"),
    [(3.841459, 1, 0.05), (6.634897, 1, 0.01), (5.991465, 2, 0.05), (98.48438, 77, 0.05)],
)
def test_chi_square_tail_matches_the_tables(x: float, dof: int, p: float) -> None:
    assert chi_square_sf(x, dof) == pytest.approx(p, rel=1e-4)


def drawn(db: Conn, uid: str, spread: str, n: int, exclude: list[str] | None = None) -> list[Any]:
    """n draws of one statement, one row per drawn card: (draw, position index, position, id, orientation)."""
    return db.execute(
        "select d.g, x.i, x.c ->> 'position' as position, x.c ->> 'id' as id, "
        "x.c ->> 'orientation' as orientation "
        "from (select g, private.draw_cards(%s, %s, 'en', %s) as cards "
        "      from generate_series(1, %s) g) d, "  # a volatile select list: one draw per row
        "jsonb_array_elements(d.cards) with ordinality as x (c, i)",
        (uid, spread, exclude or [], n),
    ).fetchall()


@pytest.fixture(scope="module")
def big_draw(db: Conn) -> list[Any]:
    """20,000 Celtic Cross draws (ten cards each) with reversals on."""
    return drawn(db, login(db)["user"]["id"], SPREAD, DRAWS)


def test_every_draw_is_ten_distinct_cards_in_the_spreads_positions(
    db: Conn, big_draw: list[Any]
) -> None:
    keys = db.execute("select position_keys from public.spreads where id = %s", (SPREAD,))
    positions = keys.fetchone()["position_keys"]
    by_draw: dict[int, list[Any]] = {}
    for row in big_draw:
        by_draw.setdefault(row["g"], []).append(row)
    assert len(by_draw) == DRAWS
    assert {len({r["id"] for r in rows}) for rows in by_draw.values()} == {POSITIONS}
    assert all([r["position"] for r in rows] == positions for rows in by_draw.values())


def test_every_card_is_drawn_equally_often(big_draw: list[Any]) -> None:
    counts = Counter(r["id"] for r in big_draw)
    assert len(counts) == DECK
    assert chi_square_p(list(counts.values()), DRAWS * POSITIONS / DECK) > P_MIN


def test_every_card_is_equally_likely_in_every_position(big_draw: list[Any]) -> None:
    cells = Counter((r["i"], r["id"]) for r in big_draw)
    observed = [
        cells[(i, card)] for i in range(1, POSITIONS + 1) for card in {r["id"] for r in big_draw}
    ]
    # each position is its own 78-way split of the draws: 10 x 77 degrees of freedom
    stat = sum((o - DRAWS / DECK) ** 2 / (DRAWS / DECK) for o in observed)
    assert chi_square_sf(stat, POSITIONS * (DECK - 1)) > P_MIN


def test_each_card_is_reversed_half_the_time(big_draw: list[Any]) -> None:
    counts = Counter(r["orientation"] for r in big_draw)
    assert set(counts) == {"upright", "reversed"}
    assert chi_square_p(list(counts.values()), DRAWS * POSITIONS / 2) > P_MIN


def test_with_reversals_off_no_card_is_reversed(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    call_as(db, "authenticated", "select public.update_profile(null, null, false)", sub=uid)
    assert {r["orientation"] for r in drawn(db, uid, SPREAD, 2000)} == {"upright"}


def test_excluded_cards_are_never_drawn(db: Conn) -> None:
    deck = [r["id"] for r in db.execute("select id from public.cards order by id").fetchall()]
    kept = deck[:3]
    rows = drawn(db, login(db)["user"]["id"], "three", 2000, exclude=deck[3:])
    assert {r["id"] for r in rows} == set(kept)
    assert Counter(r["g"] for r in rows) == dict.fromkeys(range(1, 2001), 3)
