"""What a user is shown of their own data names no one else (0043): the export and the ledger view mask another
person's id in a ledger row's ref and key (an admin's, an invitee's, an inviter's), and a user's token cannot read
the stored ref or key directly."""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg

from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_forgetting import admin
from tests.sql.test_privacy import as_user, export
from tests.sql.test_readings import claim, complete, submit

Conn = psycopg.Connection[dict[str, Any]]


def invited(db: Conn, code: str) -> str:
    """A user who joined with the code and finished a first reading (the inviter is paid for it)."""
    uid: str = login(db, ref=code, name="Invitee")["user"]["id"]
    rid = submit(db, uid)["id"]
    claim(db, rid)
    complete(db, rid)
    return uid


def adjusted(db: Conn, boss: str, uid: str) -> None:
    adjust = "public.admin_adjust_credits(%s, 'coin', 7, 'goodwill after an outage', %s)"
    as_user(db, boss, adjust, (uid, "key-" + secrets.token_hex(8)))


def my_ledger(db: Conn, uid: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_user(db, uid, "public.my_ledger(50, null)")
    return rows


def test_an_inviters_export_names_none_of_the_invitees_nor_the_admin(db: Conn) -> None:
    boss = admin(db)
    inviter = login(db, name="Inviter")["user"]
    invitees = [invited(db, inviter["referral_code"]) for _ in range(2)]
    adjusted(db, boss, inviter["id"])
    got = export(db, inviter["id"])
    rewards = [r for r in got["ledger"] if r["reason"] == "referral_reward"]
    assert [(r["ref"], r["idempotency_key"]) for r in rewards] == [
        ("invitee", "referral:invitee:inviter:coin")
    ] * 2
    assert [r["ref"] for r in got["ledger"] if r["reason"] == "adjustment"] == ["admin"]
    text = json.dumps(got)
    for someone in (*invitees, boss):
        assert someone not in text, someone


def test_an_invitees_export_does_not_name_the_inviter(db: Conn) -> None:
    inviter = login(db, name="Inviter")["user"]
    invitee = invited(db, inviter["referral_code"])
    got = export(db, invitee)
    assert [r["ref"] for r in got["ledger"] if r["reason"] == "referral_bonus"] == ["inviter"]
    assert inviter["id"] not in json.dumps(got)


def test_the_ledger_view_shows_admin_and_invitee_never_whose_id(db: Conn) -> None:
    boss = admin(db)
    inviter = login(db, name="Inviter")["user"]
    invitee = invited(db, inviter["referral_code"])
    adjusted(db, boss, inviter["id"])
    rows = my_ledger(db, inviter["id"])
    assert [(r["reason"], r["ref"]) for r in rows] == [
        ("adjustment", "admin"),
        ("referral_reward", "invitee"),
        ("welcome_bonus", None),
    ]
    assert set(rows[0]) == {"id", "currency", "delta", "reason", "ref", "created_at"}
    for someone in (invitee, boss):
        assert someone not in json.dumps(rows), someone
    stored = db.execute(
        "select ref from public.ledger where user_id = %s and reason = 'adjustment'",
        (inviter["id"],),
    ).fetchone()
    assert stored["ref"] == f"admin:{boss}"  # the stored ledger keeps which admin, for the audit


def test_the_ledger_view_pages_newest_first_and_shows_only_the_callers_rows(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    for i in range(3):
        db.execute(
            "select public.grant_credit(%s, %s, 'test', '{\"coin\": 1}')", (uid, f"page:{uid}:{i}")
        )
    first = as_user(db, uid, "public.my_ledger(2, null)")
    older = as_user(db, uid, "public.my_ledger(2, %s)", (first[-1]["id"],))
    ids = [r["id"] for r in first + older]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 4  # three grants and the welcome bonus
    assert as_user(db, other, "public.my_ledger(50, null)")[0]["id"] not in ids


def test_a_users_token_cannot_read_a_ledger_rows_ref_or_key_directly(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    for column in ("ref", "idempotency_key"):
        refused = outcome(
            db,
            f"select (select {column} from public.ledger limit 1) as r",
            (),
            "authenticated",
            uid,
        )
        assert refused == {"error": "42501", "code": "permission denied for table ledger"}, column
    amounts = call_as(
        db,
        "authenticated",
        "select count(*) as n, sum(delta) as total from public.ledger",
        sub=uid,
    )
    assert (amounts["n"], amounts["total"]) == (1, 3)  # the welcome bonus, read as before
