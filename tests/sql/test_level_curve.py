"""The level curve as a pure SQL function: level n starts at step*n*(n-1)/2 cumulative exp."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

Conn = psycopg.Connection[dict[str, Any]]


def level_for(db: Conn, exp: int) -> int:
    row = db.execute("select private.level_for(%s) as level", (exp,)).fetchone()
    assert row is not None
    return int(row["level"])


def step(db: Conn) -> int:
    row = db.execute("select private.setting('level_step_exp') as step").fetchone()
    assert row is not None
    return int(row["step"])


@pytest.mark.parametrize(
    ("exp", "level"), [(0, 1), (99, 1), (100, 2), (299, 2), (300, 3), (599, 3), (600, 4)]
)
def test_level_thresholds_at_the_default_step(db: Conn, exp: int, level: int) -> None:
    assert step(db) == 100
    assert level_for(db, exp) == level


def test_every_exp_up_to_level_40_sits_between_its_level_and_the_next(db: Conn) -> None:
    s = step(db)
    rows = db.execute(
        "select e, private.level_for(e) as level from generate_series(0, %s) e", (s * 40 * 39 // 2,)
    )
    for row in rows.fetchall():
        n = row["level"]
        assert s * n * (n - 1) // 2 <= row["e"] < s * (n + 1) * n // 2, row
