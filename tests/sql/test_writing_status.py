"""The `writing` status counts as in flight where 0030 decides refunds: account deletion and the nightly stuck-reading
repair each refund a reading being written once. And the deploy window: a
processor from before 0028 completes or rejects only with the cards stored when the reading was paid for."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_reading_drafts import claimed, messages, save, stored
from tests.sql.test_readings import RESULT, complete, keys, service

Conn = psycopg.Connection[dict[str, Any]]


def writing(db: Conn) -> tuple[str, str]:
    uid, rid = claimed(db)
    assert save(db, rid, 1, 10)["status"] == "writing"
    return uid, rid


def refunds(db: Conn, uid: str, rid: str) -> int:
    return sum(1 for k in keys(db, uid) if k.startswith(f"reading:{rid}:refund"))


def test_deleting_the_account_while_a_reading_is_written_refunds_it_once(db: Conn) -> None:
    uid, rid = writing(db)
    spent = keys(db, uid)[f"reading:{rid}:spend:free_point"]
    call_as(db, "authenticated", "select public.delete_my_account()", sub=uid)
    assert keys(db, uid).get(f"reading:{rid}:refund:free_point") == -spent
    assert refunds(db, uid, rid) == 1
    assert (
        db.execute("select count(*) as n from public.readings where id = %s", (rid,)).fetchone()[
            "n"
        ]
        == 0
    )


def test_the_nightly_repair_fails_a_reading_stuck_writing_and_refunds_it_once(db: Conn) -> None:
    uid, rid = writing(db)
    db.execute(
        "update public.readings set updated_at = now() - interval '3 hours' where id = %s", (rid,)
    )
    run = service(db, "public.reconcile('[]'::jsonb)", ())
    assert rid in run["details"]["readings_failed"]
    assert stored(db, rid)["status"] == "failed"
    assert rid not in service(db, "public.reconcile('[]'::jsonb)", ())["details"]["readings_failed"]
    assert refunds(db, uid, rid) == 1


def test_a_draft_keeps_a_reading_off_the_stuck_list(db: Conn) -> None:
    _, rid = writing(db)
    db.execute(
        "update public.readings set updated_at = now() - interval '3 hours' where id = %s", (rid,)
    )
    save(db, rid, 1, 20)  # still writing: each draft is a sign of life
    assert rid not in service(db, "public.reconcile('[]'::jsonb)", ())["details"]["readings_failed"]
    assert stored(db, rid)["status"] == "writing"


# as PostgREST calls them: by name (parameters here in the order id, result or rejection, cards)
OLD_COMPLETE = (
    "select public.complete_reading(p_id => %s, p_result => %s::jsonb, p_cards => %s::jsonb,"
    " p_analysis => '{}', p_meta => '{}') as r"
)
OLD_REJECT = (
    "select public.reject_reading(p_id => %s, p_rejection => %s::jsonb, p_cards => %s::jsonb,"
    " p_analysis => '{}') as r"
)


def faces(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cards as a processor from before 0028 sent them: its own dicts, the same faces."""
    return [{"id": c["id"], "orientation": c.get("orientation"), "name": "x"} for c in cards]


@pytest.mark.parametrize(
    ("call", "body"), [(OLD_COMPLETE, RESULT), (OLD_REJECT, '{"reason": "r"}')]
)
def test_a_processor_from_before_0028_completes_only_with_the_stored_cards(
    db: Conn, call: str, body: str
) -> None:
    uid, rid = claimed(db)
    cards = db.execute("select cards from public.readings where id = %s", (rid,)).fetchone()[
        "cards"
    ]
    others = faces(list(reversed(cards)))
    refused = outcome(db, call, (rid, body, json.dumps(others)), "service_role")
    assert refused == {"error": "PT409", "code": "reading_cards_differ"}
    assert stored(db, rid)["status"] == "processing"
    assert set(keys(db, uid)) == {f"welcome:{uid}:free_point", f"reading:{rid}:spend:free_point"}
    done = outcome(db, call, (rid, body, json.dumps(faces(cards))), "service_role")
    assert (done["status"], done["replayed"]) == (
        "completed" if call == OLD_COMPLETE else "rejected",
        False,
    )
    again = outcome(db, call, (rid, body, json.dumps(others)), "service_role")
    assert again["replayed"] is True  # a finished reading answers as before, whatever the cards
    assert (
        db.execute("select cards from public.readings where id = %s", (rid,)).fetchone()["cards"]
        == cards
    )


@pytest.mark.parametrize("call", [OLD_COMPLETE, OLD_REJECT])
def test_the_old_processor_signatures_are_the_service_roles_only(db: Conn, call: str) -> None:
    uid, rid = claimed(db)
    answer = outcome(db, call, (rid, "{}", "[]"), "authenticated", uid)
    assert answer["error"] == "42501"


def admin(db: Conn) -> str:
    uid: str = login(db)["user"]["id"]
    db.execute("insert into private.admins (user_id, note) values (%s, 'test')", (uid,))
    return uid


def as_admin(db: Conn, uid: str, sql: str, params: tuple[Any, ...]) -> Any:
    return call_as(db, "authenticated", f"select {sql} as r", params, sub=uid)["r"]


def test_an_admin_sees_a_silent_writing_reading_as_stuck_and_refunds_it_once(db: Conn) -> None:
    uid, rid = writing(db)
    staff = admin(db)
    db.execute(
        "update public.readings set updated_at = now() - interval '1 hour' where id = %s", (rid,)
    )
    stuck = as_admin(db, staff, "public.admin_readings('stuck', 600, 200)", ())
    assert rid in [r["id"] for r in stuck]
    refunded = as_admin(db, staff, "public.admin_refund_reading(%s, 'ticket 42')", (rid,))
    assert (refunded["status"], refunded["refund"]["refunded"]) == ("failed", True)
    assert stored(db, rid)["draft"] is None
    assert messages(db, rid)[-1]["payload"]["failure_reason"] == "admin_refund"
    assert complete(db, rid)["replayed"] is True  # the processor finishing later changes nothing
    assert refunds(db, uid, rid) == 1
    assert not any("reward" in k for k in keys(db, uid))
