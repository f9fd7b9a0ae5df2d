"""Follow-ups in SQL, on the direct rpc path (a user's own token): only about a completed reading, with nothing
spent on a refusal, and counted by the reading limits (minute and day) like any reading, so that a follow-up the
model refuses (and refunds) is never a free model call past the limits."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.sql.conftest import outcome
from tests.sql.test_limits import QUESTION, funded_user
from tests.sql.test_readings import claim, complete, keys, service, submit

Conn = psycopg.Connection[dict[str, Any]]
FOLLOW_UP = "select public.ask_follow_up(%s, %s) as r"


def ask(db: Conn, uid: str, rid: str, n: int = 1) -> dict[str, Any]:
    return outcome(db, FOLLOW_UP, (rid, f"แล้วข้อที่ {n} ควรทำอย่างไรดีคะ"), "authenticated", uid)


def reading_in(db: Conn, uid: str, status: str) -> str:
    """A reading of the user that ended (or stands) in the status."""
    rid = str(submit(db, uid)["id"])
    if status != "queued":
        claim(db, rid)
    if status == "completed":
        complete(db, rid)
    elif status == "rejected":
        service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (rid,))
    elif status == "failed":
        service(db, "public.fail_reading(%s, 'model_error')", (rid,))
    return rid


def readings_of(db: Conn, uid: str) -> int:
    row = db.execute("select count(*) as n from public.readings where user_id = %s", (uid,))
    return int(row.fetchone()["n"])


@pytest.mark.parametrize("status", ["queued", "processing", "rejected", "failed"])
def test_a_follow_up_about_a_reading_that_is_not_completed_is_refused_and_spends_nothing(
    db: Conn, status: str
) -> None:
    uid = funded_user(db)
    rid = reading_in(db, uid, status)
    ledger, count = keys(db, uid), readings_of(db, uid)
    assert ask(db, uid, rid) == {"error": "PT409", "code": "reading_not_completed"}
    assert (keys(db, uid), readings_of(db, uid)) == (ledger, count)


def test_follow_ups_count_in_the_minute_limit_and_are_refused_by_it(db: Conn) -> None:
    uid = funded_user(db)
    rid = reading_in(db, uid, "completed")
    for _ in range(3):
        submit(db, uid, QUESTION)
    assert ask(db, uid, rid).get("status") == "queued"  # the fifth reading of the minute
    ledger = keys(db, uid)
    assert ask(db, uid, rid, 2) == {"error": "PT429", "code": "rate_limited"}
    refused = outcome(
        db, "select public.submit_reading(%s) as r", (QUESTION,), "authenticated", uid
    )
    assert refused == {"error": "PT429", "code": "rate_limited"}  # the follow-up took a place
    assert (keys(db, uid), readings_of(db, uid)) == (ledger, 5)


def test_follow_ups_count_in_the_day_limit_and_are_refused_by_it(db: Conn) -> None:
    uid = funded_user(db)
    rid = reading_in(db, uid, "completed")
    db.execute(
        "insert into public.readings (user_id, question, language, depth, spread, created_at) "
        "select %s, %s, 'th', 'standard', 'three', now() - interval '23 hours' from generate_series(1, 58)",
        (uid, QUESTION),
    )
    assert ask(db, uid, rid).get("status") == "queued"  # the sixtieth reading of the day
    ledger = keys(db, uid)
    assert ask(db, uid, rid, 2) == {"error": "PT429", "code": "rate_limited"}
    assert (keys(db, uid), readings_of(db, uid)) == (ledger, 60)


def test_a_follow_up_refused_by_the_model_is_refunded_and_still_counts(db: Conn) -> None:
    uid = funded_user(db)
    rid = reading_in(db, uid, "completed")
    follow_up = ask(db, uid, rid)["id"]
    claim(db, follow_up)
    service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (follow_up,))
    assert keys(db, uid)[f"reading:{follow_up}:refund:free_point"] == 1
    for _ in range(3):
        submit(db, uid, QUESTION)
    assert ask(db, uid, rid, 2) == {"error": "PT429", "code": "rate_limited"}


def test_a_follow_up_the_model_refused_does_not_use_up_one_of_the_three(db: Conn) -> None:
    uid = funded_user(db)
    rid = reading_in(db, uid, "completed")
    refused = ask(db, uid, rid)["id"]
    claim(db, refused)
    service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (refused,))
    asked = [ask(db, uid, rid, n) for n in range(2, 6)]
    assert [a.get("status", a.get("code")) for a in asked] == ["queued"] * 3 + ["follow_up_limit"]
