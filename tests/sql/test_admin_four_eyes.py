"""Admins in SQL (0034), called as an admin's own token: never their own wallet, a second admin for large
adjustments (idempotent, audited, applied once), and a trace whenever they read a user's questions."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_forgetting import admin
from tests.sql.test_privacy import QUESTION
from tests.sql.test_readings import submit

Conn = psycopg.Connection[dict[str, Any]]
ADJUST = "select public.admin_adjust_credits(%s, %s, %s, 'support ticket 77', %s) as r"
DECIDE = "select public.admin_decide_adjustment(%s, %s, 'checked the ticket') as r"


def adjust(
    db: Conn, who: str, user: str, delta: int, currency: str = "star", key: str | None = None
) -> dict[str, Any]:
    key = key or "key-" + secrets.token_hex(8)
    return outcome(db, ADJUST, (user, currency, delta, key), "authenticated", who)


def decide(db: Conn, who: str, request_id: str, approve: bool = True) -> dict[str, Any]:
    return outcome(db, DECIDE, (request_id, approve), "authenticated", who)


def stars(db: Conn, user: str) -> int:
    return int(
        db.execute("select stars from public.wallets where user_id = %s", (user,)).fetchone()[
            "stars"
        ]
    )


def actions(db: Conn, user: str) -> list[tuple[str, str]]:
    rows = db.execute(
        "select action, admin_id::text as by from private.admin_audit where target_user_id = %s order by id",
        (user,),
    ).fetchall()
    return [(r["action"], r["by"]) for r in rows]


def test_an_admin_cannot_adjust_their_own_wallet(db: Conn) -> None:
    boss = admin(db)
    assert adjust(db, boss, boss, 5) == {"error": "PT403", "code": "own_wallet"}
    assert stars(db, boss) == 0
    assert actions(db, boss) == [("add_admin", None)]


def test_a_large_adjustment_waits_for_a_second_admin_who_applies_it_once(db: Conn) -> None:
    asker, approver, user = admin(db), admin(db), login(db)["user"]["id"]
    pending = adjust(db, asker, user, 500)
    assert (pending.get("status"), pending.get("replayed"), pending["wallet"]["stars"]) == (
        "pending_approval",
        False,
        0,
    )
    request = pending["request_id"]
    assert decide(db, asker, request) == {"error": "PT403", "code": "second_admin_required"}
    assert stars(db, user) == 0
    approved = decide(db, approver, request)
    assert (approved.get("status"), approved.get("decided_by"), approved.get("replayed")) == (
        "approved",
        approver,
        False,
    )
    assert approved["result"]["wallet"]["stars"] == 500
    again = decide(db, approver, request)
    assert (again.get("status"), again.get("replayed")) == ("approved", True)
    assert decide(db, asker, request, approve=False) == {
        "error": "PT409",
        "code": "adjustment_request_decided",
    }
    assert stars(db, user) == 500
    assert actions(db, user) == [("request_adjustment", asker), ("approve_adjustment", approver)]


def test_the_same_key_replays_the_request_and_other_values_are_refused(db: Conn) -> None:
    boss, user = admin(db), login(db)["user"]["id"]
    first = adjust(db, boss, user, 300, key="ticket-0300")
    again = adjust(db, boss, user, 300, key="ticket-0300")
    assert (again.get("request_id"), again.get("replayed")) == (first["request_id"], True)
    assert adjust(db, boss, user, 301, key="ticket-0300") == {
        "error": "PT422",
        "code": "idempotency_key_reused",
    }
    assert actions(db, user) == [("request_adjustment", boss)]


def test_coins_count_at_the_exchange_rate_and_exp_never_needs_approval(db: Conn) -> None:
    boss, user = admin(db), login(db)["user"]["id"]
    assert adjust(db, boss, user, 10_000, "coin").get("status") == "applied"  # worth 100 stars
    assert adjust(db, boss, user, 10_001, "coin").get("status") == "pending_approval"
    assert adjust(db, boss, user, 100_000, "exp").get("status") == "applied"
    assert adjust(db, boss, user, 100).get("status") == "applied"
    assert adjust(db, boss, user, -101).get("status") == "pending_approval"  # a deduction too


def test_a_rejected_request_changes_nothing_and_the_user_of_a_request_cannot_decide(
    db: Conn,
) -> None:
    asker, other = admin(db), admin(db)
    request = adjust(db, asker, other, 1000)["request_id"]
    assert decide(db, other, request) == {"error": "PT403", "code": "own_wallet"}
    rejected = decide(db, admin(db), request, approve=False)
    assert (rejected.get("status"), rejected.get("result")) == ("rejected", None)
    assert stars(db, other) == 0


def test_two_admins_approving_at_once_apply_it_once(db: Conn, pg: PgCluster) -> None:
    asker, first, second, user = admin(db), admin(db), admin(db), login(db)["user"]["id"]
    request = adjust(db, asker, user, 200)["request_id"]
    with psycopg.connect(pg.dsn(), row_factory=dict_row) as holder:
        holder.execute(
            "select 1"
        )  # a transaction left open: the approval below is a savepoint in it
        holding = call_as(holder, "authenticated", DECIDE, (request, True), sub=first)
        later: dict[str, Any] = {}
        waiter = threading.Thread(target=lambda: later.update(decide_alone(pg, second, request)))
        waiter.start()
        wait_for_lock(db)  # the second approval now waits on the request's row lock
        holder.commit()
        waiter.join(30)
    assert (holding["r"]["replayed"], later.get("replayed")) == (False, True)
    assert stars(db, user) == 200


def decide_alone(pg: PgCluster, who: str, request: str) -> dict[str, Any]:
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        return decide(conn, who, request)


def wait_for_lock(db: Conn) -> None:
    """Until another session waits on a row lock (lock-step, not a sleep)."""
    for _ in range(3000):
        if db.execute(
            "select exists (select 1 from pg_stat_activity where wait_event_type = 'Lock'"
            " and query like '%%admin_decide_adjustment%%') as w"
        ).fetchone()["w"]:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the second approval never waited on the lock")


def test_reading_a_users_questions_leaves_an_audit_row_without_content(db: Conn) -> None:
    boss, user = admin(db), login(db)["user"]["id"]
    rid = submit(db, user, QUESTION)["id"]
    db.execute(
        "update public.readings set status = 'failed', failure_reason = 'x' where id = %s", (rid,)
    )
    seen = call_as(
        db, "authenticated", "select public.admin_user_readings(%s) as r", (user,), sub=boss
    )
    assert [r["question"] for r in seen["r"]] == [QUESTION]
    listed = call_as(db, "authenticated", "select public.admin_readings('failed') as r", sub=boss)
    assert rid in {r["id"] for r in listed["r"]}
    rows = db.execute(
        "select admin_id::text as by, action, target, before, after from private.admin_audit"
        " where target_user_id = %s order by id",
        (user,),
    ).fetchall()
    assert [(r["by"], r["action"], r["target"]) for r in rows] == [
        (boss, "view_readings", "user_readings"),
        (boss, "view_readings", "failed_readings"),
    ]
    assert all(r["before"] is None and r["after"] is None for r in rows)
