"""Drafts of a reading being written (0030), at the SQL level as the processor's service role: what a draft may
replace, attempts across deliveries, what a refusal shows, the broadcasts of every step, and who may call it."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_readings import RESULT, claim, complete, keys, service, submit

Conn = psycopg.Connection[dict[str, Any]]
SAVE = "select public.save_reading_draft(%s, %s, %s, %s::jsonb) as r"
TEXT = {"header": "ไพ่ของคุณ", "reading": "วันนี้", "final": "ใช่ค่ะ", "suggestions": ["a"]}


def draft(accepted: bool | None = True, **fields: Any) -> dict[str, Any]:
    return {"writing": "reading", "accepted": accepted, "rejection": None, **TEXT, **fields}


def save(db: Conn, rid: str, attempt: int, received: int, body: Any = None) -> dict[str, Any]:
    shown = json.dumps(draft() if body is None else body)
    return outcome(db, SAVE, (rid, attempt, received, shown), "service_role")


def stored(db: Conn, rid: str) -> dict[str, Any]:
    row: dict[str, Any] = db.execute(
        "select status, draft, draft_attempt, draft_received from public.readings where id = %s",
        (rid,),
    ).fetchone()
    return row


def messages(db: Conn, rid: str) -> list[dict[str, Any]]:
    """What was broadcast on the reading's topic, oldest first: event, payload (without the message id), private."""
    rows = db.execute(
        "select event, payload - 'id' as payload, private from realtime.messages"
        " where topic = %s order by inserted_at, payload ->> 'id'",
        (f"reading:{rid}",),
    ).fetchall()
    return [dict(r) for r in rows]


def claimed(db: Conn) -> tuple[str, str]:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    assert claim(db, rid)["attempt_base"] == 0
    return uid, rid


def test_a_draft_moves_a_claimed_reading_to_writing_and_goes_to_its_private_topic(db: Conn) -> None:
    _, rid = claimed(db)
    saved = save(db, rid, 1, 120)
    assert saved == {"id": rid, "status": "writing", "stored": True, "attempt": 1, "received": 120}
    row = stored(db, rid)
    assert (row["status"], row["draft_attempt"], row["draft_received"]) == ("writing", 1, 120)
    assert row["draft"] == {"attempt": 1, "writing": "reading", "accepted": True, **TEXT}
    assert messages(db, rid) == [
        {
            "event": "draft",
            "payload": {"reading_id": rid, "status": "writing", "draft": row["draft"]},
            "private": True,
        }
    ]


def test_a_draft_never_replaces_a_longer_one_of_the_same_attempt(db: Conn) -> None:
    _, rid = claimed(db)
    assert save(db, rid, 1, 300, draft(header="long"))["stored"] is True
    for received in (299, 300):
        refused = save(db, rid, 1, received, draft(header="short"))
        assert (refused["stored"], refused["received"]) == (False, 300)
    assert stored(db, rid)["draft"]["header"] == "long"
    assert len(messages(db, rid)) == 1
    assert save(db, rid, 1, 301, draft(header="longer"))["stored"] is True
    assert stored(db, rid)["draft"]["header"] == "longer"


def test_a_newer_attempt_starts_over_and_an_older_one_is_dropped(db: Conn) -> None:
    _, rid = claimed(db)
    save(db, rid, 1, 900)
    fallback = save(db, rid, 2, 0, {"writing": None, "accepted": None})
    assert (fallback["stored"], fallback["attempt"]) == (True, 2)
    assert stored(db, rid)["draft"] == {"attempt": 2, "writing": None, "accepted": None}
    late = save(db, rid, 1, 5000)
    assert (late["stored"], late["attempt"], late["received"]) == (False, 2, 0)
    assert [m["payload"]["draft"]["attempt"] for m in messages(db, rid)] == [1, 2]


def test_a_new_delivery_numbers_its_attempts_above_every_attempt_of_the_last(db: Conn) -> None:
    _, rid = claimed(db)
    save(db, rid, 1, 50)
    save(db, rid, 2, 80)  # the first delivery fell back to its second provider, then died
    again = claim(db, rid)
    assert (again["attempts"], again["attempt_base"]) == (2, 100)
    row = stored(db, rid)
    assert (row["status"], row["draft"], row["draft_attempt"]) == ("processing", None, 100)
    assert (
        save(db, rid, 2, 5000)["stored"] is False
    )  # the dead delivery's writes, if any still come
    assert save(db, rid, 101, 1)["stored"] is True
    assert claim(db, rid)["attempt_base"] == 200


def test_a_finished_or_unclaimed_reading_takes_no_draft(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    queued = submit(db, uid)["id"]
    assert save(db, queued, 1, 10) == {
        "id": queued,
        "status": "queued",
        "stored": False,
        "attempt": 0,
        "received": 0,
    }
    _, rid = claimed(db)
    save(db, rid, 1, 10)
    complete(db, rid)
    late = save(db, rid, 1, 20)
    assert late == {"id": rid, "status": "completed", "stored": False, "attempt": 1, "received": 10}
    assert stored(db, rid)["draft"] is None
    assert [m["event"] for m in messages(db, rid)] == ["draft", "completed"]
    assert stored(db, queued)["status"] == "queued"


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        (None, {"writing": "header", "accepted": None}),
        (
            False,
            {
                "writing": "header",
                "accepted": False,
                "rejection": {"reason": "r", "suggested_question": "q"},
            },
        ),
        (True, {"writing": "header", "accepted": True, **TEXT, "cards": []}),
    ],
    ids=["undecided", "refused", "accepted"],
)
def test_a_draft_keeps_reading_text_only_once_accepted_and_a_rejection_only_once_refused(
    db: Conn, accepted: bool | None, expected: dict[str, Any]
) -> None:
    _, rid = claimed(db)
    body = draft(accepted, writing="header", cards=[], secret="dropped")
    body["rejection"] = {"reason": "r", "suggested_question": "q"}
    save(db, rid, 1, 10, body)
    assert stored(db, rid)["draft"] == {"attempt": 1, **expected}
    assert messages(db, rid)[-1]["payload"]["draft"] == {"attempt": 1, **expected}


def test_completion_replaces_the_draft_in_the_rewarding_transaction_and_broadcasts_the_result(
    db: Conn,
) -> None:
    uid, rid = claimed(db)
    save(db, rid, 1, 10)
    meta = json.dumps({"provider": "p", "model": "m", "attempt": 3})
    done = service(
        db, "public.complete_reading(%s, %s::jsonb, '{}', %s::jsonb)", (rid, RESULT, meta)
    )
    assert (done["status"], done["replayed"]) == ("completed", False)
    assert stored(db, rid)["draft"] is None
    assert keys(db, uid)[f"reading:{rid}:reward:coin"] == 5
    assert messages(db, rid)[-1] == {
        "event": "completed",
        "payload": {
            "reading_id": rid,
            "status": "completed",
            "attempt": 3,
            "result": json.loads(RESULT),
        },
        "private": True,
    }
    assert complete(db, rid)["replayed"] is True
    assert [m["event"] for m in messages(db, rid)] == ["draft", "completed"]


def test_a_refusal_broadcasts_the_rejection_and_no_reading_text(db: Conn) -> None:
    uid, rid = claimed(db)
    save(db, rid, 1, 10)
    rejection = {"reason": "r", "suggested_question": "q"}
    service(db, "public.reject_reading(%s, %s::jsonb)", (rid, json.dumps(rejection)))
    assert stored(db, rid)["draft"] is None
    assert messages(db, rid)[-1] == {
        "event": "rejected",
        "payload": {"reading_id": rid, "status": "rejected", "rejection": rejection},
        "private": True,
    }
    assert keys(db, uid)[f"reading:{rid}:refund:free_point"] == 1


def test_a_failure_while_writing_refunds_once_and_broadcasts_it(db: Conn) -> None:
    uid, rid = claimed(db)
    save(db, rid, 1, 10)
    for _ in range(2):
        service(db, "public.fail_reading(%s, 'delivery_failed')", (rid,))
    assert stored(db, rid)["status"] == "failed"
    assert [m["payload"] for m in messages(db, rid)][1:] == [
        {"reading_id": rid, "status": "failed", "failure_reason": "delivery_failed"}
    ]
    assert sum(1 for k in keys(db, uid) if k.startswith(f"reading:{rid}:refund")) == 1


@pytest.mark.parametrize(
    ("attempt", "received", "body", "code"),
    [
        (0, 1, {}, "invalid_draft"),
        (1, -1, {}, "invalid_draft"),
        (1, 1, [], "invalid_draft"),
        (1, 1, {"reading": "ก" * 40000}, "draft_too_large"),
    ],
    ids=["attempt-0", "negative-count", "not-an-object", "too-large"],
)
def test_a_malformed_draft_is_refused_and_changes_nothing(
    db: Conn, attempt: int, received: int, body: Any, code: str
) -> None:
    _, rid = claimed(db)
    assert save(db, rid, attempt, received, body) == {"error": "PT422", "code": code}
    assert stored(db, rid) == {
        "status": "processing",
        "draft": None,
        "draft_attempt": 0,
        "draft_received": 0,
    }
    assert messages(db, rid) == []


@pytest.mark.parametrize("role", ["authenticated", "anon"])
def test_the_draft_function_is_the_service_roles_only(db: Conn, role: str) -> None:
    uid, rid = claimed(db)
    answer = outcome(db, SAVE, (rid, 1, 10, json.dumps(draft())), role, uid)
    assert answer["error"] == "42501"
    assert stored(db, rid)["draft"] is None
    with pytest.raises(psycopg.Error) as err:
        call_as(db, role, "update public.readings set draft = '{}' where id = %s", (rid,), uid)
    assert err.value.diag.sqlstate == "42501"
