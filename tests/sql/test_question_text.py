"""Questions in SQL are measured as the API measures them (0027): invisible characters count for nothing, so a
direct rpc cannot pay for a question nobody can read. The format-character class is checked against Python's
unicodedata for every code point."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import psycopg
import pytest

from mimi.readings.schemas import question_text
from tests.sql.conftest import login, outcome
from tests.sql.test_spreads_daily_follow_ups import completed, user_call

Conn = psycopg.Connection[dict[str, Any]]
ZWSP, ZWJ, BOM, SOFT_HYPHEN, RLO, TAG_A = (
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "\u202e",
    "\U000e0041",
)
HIDDEN = ZWSP + ZWJ + BOM + SOFT_HYPHEN + RLO + TAG_A


def kind(text: str) -> str:
    """What question_text does to '.' + a character + '.': removes it, makes it one space, or keeps it."""
    return {"..": "removed", ". .": "space"}.get(text, "kept")


def python_kind(ch: str) -> str:
    if unicodedata.category(ch) == "Cf":
        return "removed"
    return "space" if ch.isspace() and unicodedata.category(ch) != "Cc" else "kept"


def test_every_format_character_is_removed_and_every_space_collapsed(db: Conn) -> None:
    points = [
        cp
        for cp in range(1, sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) not in ("Cn", "Co", "Cs")
    ]
    rows = db.execute(
        "select cp, private.question_text('.' || chr(cp) || '.') as t from unnest(%s::int[]) cp",
        (points,),
    ).fetchall()
    differ = [hex(r["cp"]) for r in rows if kind(r["t"]) != python_kind(chr(r["cp"]))]
    assert len(rows) == len(points) > 140_000
    assert differ == []


@pytest.mark.parametrize(
    "raw",
    [
        "  ความรัก" + HIDDEN + "ของฉัน \u00a0 จะเป็น\u3000อย่างไร  ",
        "Will I " + ZWSP * 3 + "find   love this year?",
        "e\u0301te\u0301 ou hiver, que choisir ?",  # NFC composes é
    ],
    ids=["thai-hidden-and-wide-spaces", "english-zero-width", "nfc"],
)
def test_sql_stores_the_question_the_api_would_store(db: Conn, raw: str) -> None:
    stored = db.execute("select private.question_text(%s) as t", (raw,)).fetchone()["t"]
    assert stored == question_text(raw)


@pytest.mark.parametrize(
    "question",
    ["abc" + ZWSP * 20, HIDDEN * 5 + "สวัสดี", "ok?" + "\u00a0" * 12, "a question\u0085 here"],
    ids=["zero-width-padding", "hidden-padding-thai", "nbsp-padding", "c1-control"],
)
def test_submit_refuses_a_question_padded_with_what_nobody_sees(db: Conn, question: str) -> None:
    uid = login(db)["user"]["id"]
    answer = outcome(
        db,
        "select public.submit_reading(%s, null, null, 'three') as r",
        (question,),
        "authenticated",
        uid,
    )
    assert answer == {"error": "PT422", "code": "invalid_question"}
    assert (
        db.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 0
    )


def test_submit_and_follow_up_store_the_visible_question(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = completed(db, uid)
    asked = "  will " + ZWSP + "it  rain" + BOM + " tomorrow?  "
    follow = user_call(db, uid, "public.ask_follow_up(%s, %s)", (rid, asked))
    stored = db.execute(
        "select question from public.readings where id = %s", (follow["id"],)
    ).fetchone()["question"]
    assert stored == "will it rain tomorrow?"
    hidden = outcome(
        db,
        "select public.ask_follow_up(%s, %s) as r",
        (rid, "why" + ZWSP * 10),
        "authenticated",
        uid,
    )
    assert hidden == {"error": "PT422", "code": "invalid_question"}
