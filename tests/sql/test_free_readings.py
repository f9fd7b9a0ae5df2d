"""A free reading pays nothing that buys stars (0029): the daily card, a spread priced 0, a refunded reading an
admin retries and an old-app reading complete and can be reviewed, and earn no coins or exp; a paid one still does."""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg

from tests.sql.conftest import call_as, login
from tests.sql.test_readings import RESULT, claim, complete, keys, service, submit
from tests.sql.test_spreads_daily_follow_ups import user_call, wallet

Conn = psycopg.Connection[dict[str, Any]]


def review(db: Conn, uid: str, rid: str) -> dict[str, Any]:
    result: dict[str, Any] = user_call(db, uid, "public.review_reading(%s, 80, null)", (rid,))
    return result


def rewards(db: Conn, uid: str, rid: str) -> dict[str, int]:
    """The reward and review rows this reading wrote to the ledger."""
    return {
        k: v
        for k, v in keys(db, uid).items()
        if k.startswith((f"reading:{rid}:reward", f"reading:{rid}:review"))
    }


def assert_paid_nothing(db: Conn, uid: str, rid: str, reviewed: dict[str, Any]) -> None:
    assert reviewed["reward"] == {"coin": 0, "exp": 0}
    assert rewards(db, uid, rid) == {}
    assert (wallet(db, uid)["coins"], wallet(db, uid)["exp"]) == (0, 0)
    assert reviewed["wallet"]["coins"] == 0


def test_the_daily_card_completes_and_is_reviewed_for_no_coins_or_exp(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = user_call(db, uid, "public.daily_card()")["id"]
    claim(db, rid)
    assert complete(db, rid)["status"] == "completed"
    assert_paid_nothing(db, uid, rid, review(db, uid, rid))


def test_a_paid_reading_still_pays_its_completion_and_review_rewards(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    claim(db, rid)
    complete(db, rid)
    assert review(db, uid, rid)["reward"] == {"coin": 2, "exp": 10}
    assert rewards(db, uid, rid) == {
        f"reading:{rid}:reward:coin": 5,
        f"reading:{rid}:reward:exp": 25,
        f"reading:{rid}:review:coin": 2,
        f"reading:{rid}:review:exp": 10,
    }


def test_a_spread_priced_zero_pays_no_reward(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("update public.spreads set price = 0 where id = 'single'")
    try:
        queued = call_as(
            db,
            "authenticated",
            "select public.submit_reading(%s, null, null, 'single') as r",
            ("ความรักของฉันจะเป็นอย่างไร",),
            sub=uid,
        )["r"]
    finally:
        db.execute("update public.spreads set price = 1 where id = 'single'")
    assert (queued["price"], queued["spent"]) == (0, None)
    claim(db, queued["id"])
    complete(db, queued["id"])
    assert_paid_nothing(db, uid, queued["id"], review(db, uid, queued["id"]))


def test_a_refunded_reading_an_admin_retries_pays_no_reward(db: Conn) -> None:
    uid, admin = login(db)["user"]["id"], login(db)["user"]["id"]
    db.execute("insert into private.admins (user_id, note) values (%s, 'test')", (admin,))
    rid = submit(db, uid)["id"]
    claim(db, rid)
    service(db, "public.fail_reading(%s, 'gave up')", (rid,))
    retried = user_call(db, admin, "public.admin_retry_reading(%s, 'support ticket')", (rid,))
    assert retried["status"] == "queued"
    claim(db, rid)
    complete(db, rid)
    assert_paid_nothing(db, uid, rid, review(db, uid, rid))
    assert wallet(db, uid)["free_points"] == 3  # spent once, refunded once, never charged again


def test_a_reading_imported_from_the_old_app_is_reviewed_for_nothing(db: Conn) -> None:
    line = "U" + secrets.token_hex(16)
    old_reading = {
        "id": "old_" + secrets.token_hex(4),
        "question": "งานของฉันในปีนี้จะเป็นอย่างไรบ้าง",
        "status": "COMPLETED",
        "answer": json.loads(RESULT),
        "cards": [{"name": "The Sun", "position": "past"}],
    }
    bundle = {"id": "user_" + secrets.token_hex(4), "line_id": line, "stars": 0, "coins": 0}
    bundle |= {"exp": 0, "free_points": 0, "readings": [old_reading]}
    db.execute("select public.import_legacy_user(%s::jsonb)", (json.dumps(bundle),))
    user = db.execute("select id from public.users where line_user_id = %s", (line,)).fetchone()
    uid = str(user["id"])
    rid = db.execute("select id from public.readings where user_id = %s", (uid,)).fetchone()["id"]
    assert_paid_nothing(db, uid, str(rid), review(db, uid, str(rid)))
