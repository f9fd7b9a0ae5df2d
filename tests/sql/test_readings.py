"""Readings in SQL: submit spends once, each processor step is idempotent, refunds happen at most once, RLS."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login, outcome

Conn = psycopg.Connection[dict[str, Any]]
QUESTION = "ความรักของฉันจะเป็นอย่างไร"
RESULT = json.dumps(
    {
        "header": "h",
        "cards": [],
        "reading": "r",
        "suggestions": [],
        "next_questions": [],
        "final": "f",
        "end": "e",
        "notice": "n",
    }
)


def submit(db: Conn, uid: str, question: str = QUESTION, depth: str = "standard") -> dict[str, Any]:
    row = call_as(
        db,
        "authenticated",
        "select public.submit_reading(%s, null, %s) as r",
        (question, depth),
        sub=uid,
    )
    result: dict[str, Any] = row["r"]
    return result


def service(db: Conn, sql: str, params: tuple[Any, ...]) -> dict[str, Any]:
    result: dict[str, Any] = call_as(db, "service_role", f"select {sql} as r", params)["r"]
    return result


def claim(db: Conn, rid: str) -> dict[str, Any]:
    return service(db, "public.claim_reading(%s)", (rid,))


def complete(db: Conn, rid: str) -> dict[str, Any]:
    return service(
        db,
        "public.complete_reading(%s, %s::jsonb, '{}', %s::jsonb)",
        (
            rid,
            RESULT,
            json.dumps(
                {
                    "provider": "p",
                    "model": "m",
                    "prompt_tokens": 10,
                    "completion_tokens": 20,
                    "prompt_version": "v",
                }
            ),
        ),
    )


def keys(db: Conn, uid: str) -> dict[str, int]:
    rows = db.execute(
        "select idempotency_key, delta from public.ledger where user_id = %s", (uid,)
    ).fetchall()
    return {r["idempotency_key"]: r["delta"] for r in rows}


def test_submit_spends_one_credit_and_queues_in_the_users_language(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    queued = submit(db, uid, "  " + QUESTION + "  ")
    assert queued["status"] == "queued"
    assert queued["language"] == "th"
    assert queued["wallet"]["free_points"] == 2
    row = db.execute("select * from public.readings where id = %s", (queued["id"],)).fetchone()
    assert row["question"] == QUESTION
    assert row["attempts"] == 0
    assert keys(db, uid)[f"reading:{queued['id']}:spend:free_point"] == -1


def test_submit_without_credit_inserts_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    for _ in range(3):
        submit(db, uid)
    with pytest.raises(psycopg.Error) as err:
        submit(db, uid)
    assert err.value.diag.sqlstate == "PT409"
    assert err.value.diag.message_primary == "insufficient_credits"
    assert (
        db.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 3
    )


@pytest.mark.parametrize(
    "question",
    ["short", "123456789", "x" * 501, "bad\u0001question here"],
    ids=["5-chars", "9-chars", "501-chars", "control-char"],
)
def test_submit_refuses_bad_questions_even_past_the_api(db: Conn, question: str) -> None:
    uid = login(db)["user"]["id"]
    answer = outcome(
        db,
        "select public.submit_reading(%s, null, 'standard') as r",
        (question,),
        "authenticated",
        uid,
    )
    assert answer == {"error": "PT422", "code": "invalid_question"}
    assert keys(db, uid) == {f"welcome:{uid}:free_point": 3}
    assert (
        db.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 0
    )


def test_complete_twice_stores_and_rewards_once(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    assert claim(db, rid)["final"] is False
    first, second = complete(db, rid), complete(db, rid)
    assert first["replayed"] is False
    assert second["replayed"] is True
    assert second["status"] == "completed"
    assert claim(db, rid)["final"] is True
    assert keys(db, uid)[f"reading:{rid}:reward:coin"] == 5
    assert sum(1 for k in keys(db, uid) if k.startswith(f"reading:{rid}:reward")) == 2


def test_complete_needs_a_claim(db: Conn) -> None:
    rid = submit(db, login(db)["user"]["id"])["id"]
    with pytest.raises(psycopg.Error) as err:
        complete(db, rid)
    assert err.value.diag.message_primary == "reading_not_claimed"


def test_reject_then_fail_refunds_once_and_completion_after_is_a_noop(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    claim(db, rid)
    rejected = service(db, "public.reject_reading(%s, %s::jsonb)", (rid, '{"reason": "r"}'))
    failed = service(db, "public.fail_reading(%s, 'delivery_failed')", (rid,))
    assert rejected["status"] == "rejected"
    assert rejected["refund"]["refunded"] is True
    assert failed["status"] == "rejected"
    assert failed["replayed"] is True
    assert complete(db, rid)["status"] == "rejected"
    mine = keys(db, uid)
    assert mine[f"reading:{rid}:refund:free_point"] == 1
    assert not any("reward" in k for k in mine)


@pytest.mark.parametrize(
    "late_call",
    ["public.fail_reading(%s, 'x')", "public.reject_reading(%s, '{}')"],
    ids=["fail", "reject"],
)
def test_fail_or_reject_leaves_a_completed_reading_alone(db: Conn, late_call: str) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    claim(db, rid)
    complete(db, rid)
    late = outcome(db, f"select {late_call} as r", (rid,), "service_role")
    assert (late.get("status"), late.get("replayed")) == ("completed", True)
    assert not any("refund" in k for k in keys(db, uid))
    assert (
        db.execute("select status from public.readings where id = %s", (rid,)).fetchone()["status"]
        == "completed"
    )


def test_first_completed_reading_pays_the_inviter_once(db: Conn) -> None:
    inviter = login(db)["user"]
    invitee = login(db, ref=inviter["referral_code"])["user"]
    paid_after = []
    for _ in range(2):
        rid = submit(db, invitee["id"])["id"]
        claim(db, rid)
        complete(db, rid)
        paid_after.append(
            {k: v for k, v in keys(db, inviter["id"]).items() if k.startswith("referral:")}
        )
    expected = {f"referral:{invitee['id']}:inviter:coin": 50}
    assert paid_after == [
        expected,
        expected,
    ]  # paid on the first completed reading, checked before the second


def test_cancel_only_a_queued_reading_of_ones_own(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", "select public.cancel_reading(%s)", (rid,), sub=other)
    assert err.value.diag.sqlstate == "PT404"
    cancelled = call_as(
        db, "authenticated", "select public.cancel_reading(%s) as r", (rid,), sub=uid
    )["r"]
    assert cancelled["status"] == "failed"
    assert cancelled["refund"]["refunded"] is True
    processing = submit(db, uid)["id"]
    claim(db, processing)
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", "select public.cancel_reading(%s)", (processing,), sub=uid)
    assert err.value.diag.message_primary == "reading_not_queued"


def test_users_see_only_their_own_undeleted_readings(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    kept, gone = submit(db, uid)["id"], submit(db, uid)["id"]
    call_as(db, "authenticated", "select public.delete_reading(%s)", (gone,), sub=uid)
    seen = call_as(
        db, "authenticated", "select array_agg(id::text) as ids from public.readings", sub=uid
    )
    assert seen["ids"] == [kept]
    assert (
        call_as(db, "authenticated", "select count(*) as n from public.readings", sub=other)["n"]
        == 0
    )
    history = call_as(db, "authenticated", "select public.reading_history(10, null) as r", sub=uid)[
        "r"
    ]
    assert [h["id"] for h in history] == [kept]


def test_the_llm_bookkeeping_is_not_readable_by_users(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    submit(db, uid)
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", "select prompt_tokens from public.readings", sub=uid)
    assert err.value.diag.sqlstate == "42501"


@pytest.mark.parametrize(
    "fn",
    [
        "claim_reading(gen_random_uuid())",
        "fail_reading(gen_random_uuid(), 'x')",
        "complete_reading(gen_random_uuid(), '{}', '{}', '{}')",
        "reject_reading(gen_random_uuid(), '{}')",
    ],
)
def test_processor_functions_are_service_role_only(db: Conn, fn: str) -> None:
    uid = login(db)["user"]["id"]
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", f"select public.{fn}", sub=uid)
    assert err.value.diag.sqlstate == "42501"


def test_review_once_for_a_completed_reading(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid)["id"]
    sql = "select public.review_reading(%s, 70, 'ดีมาก') as r"
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", sql, (rid,), sub=uid)
    assert err.value.diag.message_primary == "reading_not_completed"
    claim(db, rid)
    complete(db, rid)
    review = call_as(db, "authenticated", sql, (rid,), sub=uid)["r"]
    assert review["reward"] == {"coin": 2, "exp": 10}
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", sql, (rid,), sub=uid)
    assert err.value.diag.message_primary == "already_reviewed"
