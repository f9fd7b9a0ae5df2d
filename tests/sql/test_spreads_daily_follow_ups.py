"""Readings v2 in SQL: spread prices spent and refunded once, the daily card once per Bangkok day (also under
concurrency), follow-ups (limit, price, context for the processor), reversals, history threading."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login
from tests.sql.test_readings import QUESTION, claim, keys, service

Conn = psycopg.Connection[dict[str, Any]]
PRICES = {"single": 1, "three": 1, "five": 1, "love": 1, "celtic_cross": 2}
CARDS = {"single": 1, "three": 3, "five": 5, "love": 5, "celtic_cross": 10}


def submit(
    db: Conn, uid: str, spread: str | None = None, depth: str | None = None
) -> dict[str, Any]:
    row = call_as(
        db,
        "authenticated",
        "select public.submit_reading(%s, null, %s, %s) as r",
        (QUESTION, depth, spread),
        sub=uid,
    )
    result: dict[str, Any] = row["r"]
    return result


def user_call(db: Conn, uid: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    return call_as(db, "authenticated", f"select {sql} as r", params, sub=uid)["r"]


def sql_error(db: Conn, uid: str, sql: str, params: tuple[Any, ...] = ()) -> tuple[str, str]:
    with pytest.raises(psycopg.Error) as err:
        user_call(db, uid, sql, params)
    return str(err.value.diag.sqlstate), str(err.value.diag.message_primary)


def wallet(db: Conn, uid: str) -> dict[str, Any]:
    row: dict[str, Any] = db.execute(
        "select * from public.wallets where user_id = %s", (uid,)
    ).fetchone()
    return row


def completed(db: Conn, uid: str, final: str = "คำตอบคือ ใช่ค่ะ") -> str:
    """A completed three-card reading of this user, its result's `final` as given."""
    rid = str(submit(db, uid, "three")["id"])
    cards = claim(db, rid)["cards"]
    result = {
        "header": "h",
        "cards": cards,
        "reading": "THE WHOLE LONG READING",
        "suggestions": [],
        "next_questions": [],
        "final": final,
        "end": "e",
        "notice": "n",
    }
    service(db, "public.complete_reading(%s, %s::jsonb, '{}', '{}')", (rid, json.dumps(result)))
    return rid


def ask(db: Conn, uid: str, rid: str, question: str = "แล้วฉันควรเริ่มต้นเมื่อไหร่ดีคะ") -> dict[str, Any]:
    result: dict[str, Any] = user_call(db, uid, "public.ask_follow_up(%s, %s)", (rid, question))
    return result


def test_spreads_are_seeded_and_readable_by_everyone(db: Conn) -> None:
    for role in ("anon", "authenticated"):
        with db.transaction():
            db.execute(f"set local role {role}")
            rows = db.execute(
                "select * from public.spreads where active order by sort_order"
            ).fetchall()
        assert [(r["id"], r["card_count"], r["price"]) for r in rows] == [
            (s, CARDS[s], PRICES[s]) for s in PRICES
        ]
    love = next(r for r in rows if r["id"] == "love")
    assert love["position_keys"] == ["you", "them", "bond", "obstacle", "direction"]
    assert love["positions_en"] == ["You", "Them", "The bond", "The obstacle", "Where it goes"]
    assert all(len(r["positions_th"]) == len(r["positions_en"]) == r["card_count"] for r in rows)


@pytest.mark.parametrize("spread", list(PRICES))
def test_each_spread_spends_its_price_and_a_refusal_gives_exactly_that_back_once(
    db: Conn, spread: str
) -> None:
    uid = login(db)["user"]["id"]
    queued = submit(db, uid, spread)
    assert (queued["spread"], queued["price"], queued["spent"]) == (
        spread,
        PRICES[spread],
        "free_point",
    )
    assert wallet(db, uid)["free_points"] == 3 - PRICES[spread]
    rid = queued["id"]
    claim(db, rid)
    service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (rid,))
    service(db, "public.fail_reading(%s, 'late')", (rid,))
    assert wallet(db, uid)["free_points"] == 3
    assert keys(db, uid) == {
        f"welcome:{uid}:free_point": 3,
        f"reading:{rid}:spend:free_point": -PRICES[spread],
        f"reading:{rid}:refund:free_point": PRICES[spread],
    }


def test_a_spread_priced_above_the_balance_is_refused_and_inserts_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    submit(db, uid, "single")
    submit(db, uid, "single")
    assert sql_error(
        db, uid, "public.submit_reading(%s, null, null, 'celtic_cross')", (QUESTION,)
    ) == ("PT409", "insufficient_credits")
    assert (
        db.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 2
    )


def test_depth_still_picks_a_spread_and_the_default_is_three(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 1}')", (uid, f"t:{uid}"))
    assert [submit(db, uid, depth=d)["spread"] for d in ("deep", "standard", None)] == [
        "five",
        "three",
        "three",
    ]
    assert submit(db, uid, "single", depth="deep")["spread"] == "single"


@pytest.mark.parametrize("spread", ["daily", "follow_up", "nope"])
def test_internal_and_unknown_spreads_cannot_be_submitted(db: Conn, spread: str) -> None:
    uid = login(db)["user"]["id"]
    assert sql_error(db, uid, "public.submit_reading(%s, null, null, %s)", (QUESTION, spread)) == (
        "PT422",
        "spread_unknown",
    )
    assert wallet(db, uid)["free_points"] == 3


def test_claim_hands_over_the_cards_drawn_at_submit_and_the_positions(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    queued = submit(db, uid, "love")
    claimed = claim(db, queued["id"])
    assert claimed["cards"] == queued["cards"]
    assert [c["position"] for c in claimed["cards"]] == [p["key"] for p in claimed["positions"]]
    assert [p["key"] for p in claimed["positions"]] == [
        "you",
        "them",
        "bond",
        "obstacle",
        "direction",
    ]
    assert claimed["positions"][4] == {
        "key": "direction",
        "th": "ทิศทางข้างหน้า",
        "en": "Where it goes",
    }
    assert claimed["context"] is None
    assert (
        claim(db, queued["id"])["cards"] == queued["cards"]
    )  # a second claim (a retry) keeps them


def daily_at(db: Conn, uid: str, at: str) -> dict[str, Any]:
    result: dict[str, Any] = db.execute(
        "select private.daily_card(%s, null, %s::timestamptz) as r", (uid, at)
    ).fetchone()["r"]
    return result


def test_daily_card_is_one_reading_per_bangkok_day(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    first = daily_at(db, uid, "2026-03-01T17:00:00Z")  # 00:00 on 2 March in Bangkok
    same = daily_at(db, uid, "2026-03-02T16:59:59Z")  # 23:59:59 on 2 March in Bangkok
    assert (first["created"], same["created"]) == (True, False)
    assert first["id"] == same["id"]
    assert first["daily_on"] == "2026-03-02"
    assert first["spread"] == "daily"
    before = daily_at(db, uid, "2026-03-01T16:59:59Z")  # still 1 March in Bangkok
    after = daily_at(db, uid, "2026-03-02T17:00:00Z")  # 3 March in Bangkok
    assert before["created"]
    assert after["created"]
    assert len({first["id"], before["id"], after["id"]}) == 3


def test_daily_card_under_concurrency_is_one_reading(db: Conn, pg: PgCluster) -> None:
    uid = login(db)["user"]["id"]

    def attempt(_: int) -> dict[str, Any]:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            return dict(user_call(conn, uid, "public.daily_card()"))

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(24)))
    assert len({r["id"] for r in results}) == 1
    assert sum(r["created"] for r in results) == 1
    assert (
        db.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 1
    )


def test_daily_card_costs_nothing_and_a_failed_one_refunds_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = user_call(db, uid, "public.daily_card()")["id"]
    claim(db, rid)
    service(db, "public.fail_reading(%s, 'gave up')", (rid,))
    assert keys(db, uid) == {f"welcome:{uid}:free_point": 3}
    assert user_call(db, uid, "public.daily_card()")["id"] == rid


def test_follow_up_is_priced_by_the_setting_and_claims_with_a_short_context(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = completed(db, uid)
    db.execute("update public.app_settings set value = 2 where key = 'follow_up_cost'")
    try:
        queued = ask(db, uid, rid)
    finally:
        db.execute("update public.app_settings set value = 1 where key = 'follow_up_cost'")
    assert (queued["parent_id"], queued["spread"], queued["price"]) == (rid, "follow_up", 2)
    assert keys(db, uid)[f"reading:{queued['id']}:spend:free_point"] == -2
    claimed = claim(db, queued["id"])
    assert [p["key"] for p in claimed["positions"]] == ["clarifier"]
    context = claimed["context"]
    assert context["question"] == QUESTION
    assert context["summary"] == "คำตอบคือ ใช่ค่ะ"
    parent = db.execute("select cards from public.readings where id = %s", (rid,)).fetchone()
    assert context["cards"] == parent["cards"]
    assert "THE WHOLE LONG READING" not in json.dumps(claimed, ensure_ascii=False)


def test_at_most_three_follow_ups_count_and_refused_ones_do_not_count(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 5}')", (uid, f"t:{uid}"))
    rid = completed(db, uid)
    first = ask(db, uid, rid)["id"]
    claim(db, first)
    service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (first,))
    for _ in range(3):
        ask(db, uid, rid)
    assert sql_error(db, uid, "public.ask_follow_up(%s, %s)", (rid, QUESTION)) == (
        "PT409",
        "follow_up_limit",
    )
    spent = [k for k, v in keys(db, uid).items() if ":spend:" in k and v < 0]
    assert len(spent) == 1 + 4  # the reading and four follow-ups (one of them refunded)


def test_concurrent_follow_ups_stop_at_the_limit(db: Conn, pg: PgCluster) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 10}')", (uid, f"t:{uid}"))
    rid = completed(db, uid)

    def attempt(i: int) -> str:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            try:
                ask(conn, uid, rid, f"คำถามต่อเนื่องข้อที่ {i} ค่ะ")
                return "ok"
            except psycopg.Error as exc:
                return str(exc.diag.message_primary)

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("ok") == 3
    assert set(outcomes) == {"ok", "follow_up_limit"}


def test_follow_ups_only_on_ones_own_completed_top_level_reading(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    queued = submit(db, uid)["id"]
    assert sql_error(db, uid, "public.ask_follow_up(%s, %s)", (queued, QUESTION)) == (
        "PT409",
        "reading_not_completed",
    )
    rid = completed(db, uid)
    assert sql_error(db, other, "public.ask_follow_up(%s, %s)", (rid, QUESTION)) == (
        "PT404",
        "reading_not_found",
    )
    follow_up = ask(db, uid, rid)["id"]
    assert sql_error(db, uid, "public.ask_follow_up(%s, %s)", (follow_up, QUESTION)) == (
        "PT404",
        "reading_not_found",
    )


def test_history_threads_follow_ups_under_their_reading_and_delete_takes_them_along(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    rid = completed(db, uid)
    follow_up = ask(db, uid, rid)["id"]
    history = user_call(db, uid, "public.reading_history()")
    assert [(h["id"], h["follow_ups"], h["spread"]) for h in history] == [(rid, 1, "three")]
    user_call(db, uid, "public.delete_reading(%s)", (rid,))
    with db.transaction():
        db.execute("set local role authenticated")
        db.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": uid}),))
        visible = db.execute(
            "select id from public.readings where id in (%s, %s)", (rid, follow_up)
        ).fetchall()
    assert visible == []
