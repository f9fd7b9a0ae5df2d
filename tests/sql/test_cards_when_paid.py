"""Cards drawn when a reading is paid for (0028), at the SQL level as the user who could break it: submit, a
follow-up and the daily card store and answer their cards at once; no API function takes cards; the same
Idempotency-Key answers the same reading and cards; a follow-up never draws a card of its reading; the processor's
claim keeps the stored cards."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import login
from tests.sql.test_readings import QUESTION, claim, keys, service
from tests.sql.test_spreads_daily_follow_ups import ask, completed, sql_error, submit, user_call

Conn = psycopg.Connection[dict[str, Any]]
CARD_KEYS = {
    "id",
    "name",
    "name_th",
    "image",
    "orientation",
    "position",
    "position_th",
    "position_en",
    "short_meaning",
}
KEY = "tap-0123456789"


def stored_cards(db: Conn, rid: str) -> Any:
    return db.execute("select cards from public.readings where id = %s", (rid,)).fetchone()["cards"]


def submit_with_key(
    db: Conn, uid: str, key: str, question: str = QUESTION, spread: str = "three"
) -> dict[str, Any]:
    result: dict[str, Any] = user_call(
        db, uid, "public.submit_reading(%s, null, null, %s, %s)", (question, spread, key)
    )
    return result


def readings_of(db: Conn, uid: str) -> int:
    row = db.execute("select count(*) as n from public.readings where user_id = %s", (uid,))
    return int(row.fetchone()["n"])


def test_submit_answers_the_cards_it_stored_with_the_decks_meaning_in_the_readings_language(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    queued = submit(db, uid, "five")
    assert queued["cards"] == stored_cards(db, queued["id"])
    assert [set(c) for c in queued["cards"]] == [CARD_KEYS] * 5
    assert [c["position"] for c in queued["cards"]] == [
        "situation",
        "obstacle",
        "hidden_influence",
        "advice",
        "outcome",
    ]
    for card in queued["cards"]:
        deck = db.execute("select * from public.cards where id = %s", (card["id"],)).fetchone()
        reversed_ = card["orientation"] == "reversed"
        assert card["short_meaning"] == deck["meaning_reversed_th" if reversed_ else "meaning_th"]
        assert (card["name"], card["name_th"], card["image"]) == (
            deck["name_en"],
            deck["name_th"],
            deck["image"],
        )


# 0030's overloads for a processor from before 0028 take the cards it read only to refuse any but the stored ones
# (tests/sql/test_reading_drafts.py::test_a_processor_from_before_0028_completes_only_with_the_stored_cards)
CARD_GATES = [
    ("complete_reading(uuid,jsonb,jsonb,jsonb,jsonb)", "service_role"),
    ("reject_reading(uuid,jsonb,jsonb,jsonb)", "service_role"),
]


def test_no_api_function_takes_cards_as_a_parameter(db: Conn) -> None:
    rows = db.execute(
        "select p.oid::regprocedure::text as fn, r.role "
        "from pg_proc p, unnest(coalesce(p.proargnames, '{}')) a, "
        "(values ('anon'), ('authenticated'), ('service_role')) r (role) "
        "where p.pronamespace = 'public'::regnamespace and a ilike '%%card%%' "
        "and has_function_privilege(r.role, p.oid, 'execute') order by 1, 2"
    ).fetchall()
    assert [(r["fn"], r["role"]) for r in rows] == CARD_GATES


def test_the_same_idempotency_key_answers_the_same_reading_and_cards_once_paid(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    first = submit_with_key(db, uid, KEY)
    again = submit_with_key(db, uid, KEY)
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["id"] == first["id"]
    assert again["cards"] == first["cards"] == stored_cards(db, first["id"])
    assert (again["price"], again["spent"]) == (1, "free_point")
    assert readings_of(db, uid) == 1
    assert sum(1 for k in keys(db, uid) if ":spend:" in k) == 1
    op = db.execute(
        "select params, result from private.credit_ops where key = %s",
        (f"reading_request:{uid}:{KEY}",),
    ).fetchone()  # the question is compared with the reading's own: none of it stays with the key
    assert (op["params"], op["result"]) == (
        {"language": "th", "spread": "three"},
        {"reading_id": first["id"]},
    )
    # a key is the user's own: another user's same key is a new reading
    other = login(db)["user"]["id"]
    assert submit_with_key(db, other, KEY)["id"] != first["id"]


def test_concurrent_calls_with_one_key_make_one_reading(db: Conn, pg: PgCluster) -> None:
    uid = login(db)["user"]["id"]

    def attempt(_: int) -> dict[str, Any]:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            return submit_with_key(conn, uid, KEY)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert len({(r["id"], json.dumps(r["cards"])) for r in results}) == 1
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 5
    assert readings_of(db, uid) == 1


@pytest.mark.parametrize(
    ("question", "spread"),
    [(QUESTION + " อีกครั้ง", "three"), (QUESTION, "single")],
    ids=["another-question", "another-spread"],
)
def test_a_key_reused_for_another_request_is_refused_and_changes_nothing(
    db: Conn, question: str, spread: str
) -> None:
    uid = login(db)["user"]["id"]
    submit_with_key(db, uid, KEY)
    before = keys(db, uid)
    assert sql_error(
        db, uid, "public.submit_reading(%s, null, null, %s, %s)", (question, spread, KEY)
    ) == ("PT422", "idempotency_key_reused")
    assert keys(db, uid) == before
    assert readings_of(db, uid) == 1


def test_a_malformed_key_is_refused_before_anything_is_spent(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    assert sql_error(
        db, uid, "public.submit_reading(%s, null, null, null, %s)", (QUESTION, "short")
    ) == ("PT422", "invalid_idempotency_key")
    assert readings_of(db, uid) == 0


def test_with_reversals_off_every_drawn_card_is_upright(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 6}')", (uid, f"t:{uid}"))
    user_call(db, uid, "public.update_profile(null, null, false)")
    cards = [c for _ in range(3) for c in submit(db, uid, "celtic_cross")["cards"]]
    cards += user_call(db, uid, "public.daily_card()")["cards"]
    assert {c["orientation"] for c in cards} == {"upright"}


def test_a_follow_up_never_draws_a_card_of_its_reading(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 3}')", (uid, f"t:{uid}"))
    rid = completed(db, uid)
    # the reading's cards made 77 of the deck's 78 (as an old-app import may): one card is left to draw
    left, *others = [r["id"] for r in db.execute("select id from public.cards order by random()")]
    db.execute(
        "update public.readings set cards = %s::jsonb where id = %s",
        (json.dumps([{"id": card} for card in others]), rid),
    )
    follow_ups = [ask(db, uid, rid) for _ in range(3)]
    assert [[c["id"] for c in f["cards"]] for f in follow_ups] == [[left]] * 3
    assert [f["cards"][0]["position"] for f in follow_ups] == ["clarifier"] * 3


def test_a_follow_up_replayed_with_its_key_is_the_same_follow_up(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = completed(db, uid)
    sql = "public.ask_follow_up(%s, %s, null, %s)"
    first = user_call(db, uid, sql, (rid, QUESTION, KEY))
    again = user_call(db, uid, sql, (rid, QUESTION, KEY))
    assert (again["id"], again["cards"], again["replayed"]) == (first["id"], first["cards"], True)
    assert sql_error(db, uid, sql, (rid, QUESTION + " ต่อ", KEY)) == (
        "PT422",
        "idempotency_key_reused",
    )
    assert sum(1 for k in keys(db, uid) if ":spend:" in k) == 2  # the reading and one follow-up


def test_the_daily_card_is_drawn_when_created_and_the_same_all_day(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    first = user_call(db, uid, "public.daily_card()")
    again = user_call(db, uid, "public.daily_card()")
    assert (first["created"], again["created"]) == (True, False)
    assert again["cards"] == first["cards"] == stored_cards(db, first["id"])
    assert [c["position"] for c in first["cards"]] == ["today"]


def test_claim_draws_only_for_a_reading_queued_without_cards_and_keeps_them(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid, "three")["id"]
    db.execute(
        "update public.readings set cards = null where id = %s", (rid,)
    )  # queued before 0028
    drawn = claim(db, rid)["cards"]
    assert [c["position"] for c in drawn] == ["past", "present", "future"]
    assert stored_cards(db, rid) == drawn
    assert claim(db, rid)["cards"] == drawn


def test_completion_and_rejection_keep_the_cards_drawn_when_paid(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    done, refused = submit(db, uid, "three"), submit(db, uid, "single")
    claim(db, done["id"])
    claim(db, refused["id"])
    result = {"header": "h", "cards": [], "reading": "r", "final": "f"}
    service(db, "public.complete_reading(%s, %s::jsonb, '{}')", (done["id"], json.dumps(result)))
    service(db, "public.reject_reading(%s, '{\"reason\": \"r\"}', '{}')", (refused["id"],))
    assert stored_cards(db, done["id"]) == done["cards"]
    assert stored_cards(db, refused["id"]) == refused["cards"]
