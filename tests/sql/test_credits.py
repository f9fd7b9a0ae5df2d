"""Credits in SQL: spending, refunds, idempotency, exchange, daily check-in, levels, referrals, grants."""

from __future__ import annotations

import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_privacy import wait_until_blocked

Conn = psycopg.Connection[dict[str, Any]]


def wallet(db: Conn, user_id: str) -> dict[str, Any]:
    row = db.execute("select * from public.wallets where user_id = %s", (user_id,)).fetchone()
    assert row
    return row


def ledger_rows(db: Conn, user_id: str) -> list[dict[str, Any]]:
    return db.execute(
        "select * from public.ledger where user_id = %s order by id", (user_id,)
    ).fetchall()


def spend(db: Conn, user_id: str, key: str) -> dict[str, Any]:
    row = db.execute(
        "select public.spend_credit(%s, %s, 'reading', null) as r", (user_id, key)
    ).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def test_first_login_grants_the_welcome_bonus_through_the_ledger(db: Conn) -> None:
    user = login(db)["user"]
    assert user["wallet"]["free_points"] == 3
    rows = ledger_rows(db, user["id"])
    assert [(r["currency"], r["delta"], r["reason"]) for r in rows] == [
        ("free_point", 3, "welcome_bonus")
    ]


def test_spend_uses_free_points_first_then_stars(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 1}')", (uid, f"t:{uid}"))
    spent = [spend(db, uid, f"s:{uid}:{i}")["spent"] for i in range(4)]
    assert spent == ["free_point", "free_point", "free_point", "star"]
    with pytest.raises(psycopg.Error) as err:
        spend(db, uid, f"s:{uid}:5")
    assert err.value.diag.message_primary == "insufficient_credits"
    assert err.value.diag.sqlstate == "PT409"


def test_fifty_concurrent_spends_against_three_credits_exactly_three_succeed(
    db: Conn, pg: PgCluster
) -> None:
    uid = login(db)["user"]["id"]

    def attempt(i: int) -> str:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            try:
                spend(conn, uid, f"c:{uid}:{i}")
                return "ok"
            except psycopg.Error as exc:
                return str(exc.diag.message_primary)

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count("ok") == 3
    assert set(outcomes) == {"ok", "insufficient_credits"}
    assert wallet(db, uid)["free_points"] == 0
    assert len([r for r in ledger_rows(db, uid) if r["reason"] == "reading"]) == 3


def test_same_key_twice_and_concurrently_is_one_ledger_row_and_the_same_result(
    db: Conn, pg: PgCluster
) -> None:
    uid = login(db)["user"]["id"]
    key = f"same:{uid}"

    def attempt(_: int) -> dict[str, Any]:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            return outcome(
                conn, "select public.spend_credit(%s, %s, 'reading', null) as r", (uid, key)
            )

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(10)))
    assert [r.get("error") for r in results] == [None] * 10
    assert sorted(bool(r.get("replayed")) for r in results) == [False] + [True] * 9
    assert {r["spent"] for r in results} == {"free_point"}
    assert {r["wallet"]["free_points"] for r in results} == {2}
    assert len([r for r in ledger_rows(db, uid) if r["reason"] == "reading"]) == 1


def test_refund_returns_what_was_spent_once(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    spend(db, uid, f"r:{uid}")
    refunds = [
        outcome(
            db, "select public.refund_credit(%s, %s, %s) as r", (uid, f"r:{uid}", f"r:{uid}:refund")
        )
        for _ in range(3)
    ]
    assert [(r.get("refunded"), r.get("currency"), r.get("replayed")) for r in refunds] == [
        (True, "free_point", None),
        (True, "free_point", True),
        (True, "free_point", True),
    ]
    assert wallet(db, uid)["free_points"] == 3


def test_refund_of_a_spend_that_never_happened_refunds_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    refund = outcome(
        db,
        "select public.refund_credit(%s, %s, %s) as r",
        (uid, f"never:{uid}", f"never:{uid}:refund"),
    )
    assert refund == {"refunded": False}
    assert [r["reason"] for r in ledger_rows(db, uid)] == ["welcome_bonus"]


def test_a_refund_of_another_users_spend_refunds_nothing(db: Conn) -> None:
    alice, bob = login(db)["user"]["id"], login(db)["user"]["id"]
    spend(db, alice, f"theirs:{alice}")
    sql = "select public.refund_credit(%s, %s, %s) as r"
    assert outcome(db, sql, (bob, f"theirs:{alice}", f"theirs:{alice}:bob")) == {"refunded": False}
    assert wallet(db, bob)["free_points"] == 3
    assert (
        outcome(db, sql, (alice, f"theirs:{alice}", f"theirs:{alice}:refund"))["refunded"] is True
    )
    assert wallet(db, alice)["free_points"] == 3


def test_a_grant_with_a_used_key_is_replayed_not_paid_twice(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    sql = "select public.grant_credit(%s, %s, 'test', '{\"star\": 1}') as r"
    first, again = outcome(db, sql, (uid, f"g:{uid}")), outcome(db, sql, (uid, f"g:{uid}"))
    assert (first.get("replayed"), again.get("replayed")) == (None, True)
    assert again["wallet"]["stars"] == first["wallet"]["stars"] == wallet(db, uid)["stars"] == 1


@pytest.mark.parametrize(
    "changes", ['{"diamond": 5}', '{"star": "1.5"}'], ids=["unknown-currency", "not-an-integer"]
)
def test_grant_refuses_unknown_currencies_and_non_integers(db: Conn, changes: str) -> None:
    uid = login(db)["user"]["id"]
    answer = outcome(
        db,
        "select public.grant_credit(%s, %s, 'test', %s::jsonb) as r",
        (uid, f"bad:{uid}", changes),
    )
    assert answer == {"error": "PT422", "code": "invalid_changes"}
    assert [r["reason"] for r in ledger_rows(db, uid)] == ["welcome_bonus"]


def test_a_key_used_by_another_user_is_refused_not_replayed(db: Conn) -> None:
    alice, bob = login(db)["user"]["id"], login(db)["user"]["id"]
    key = f"shared:{alice}"
    spend(db, alice, key)
    answer = outcome(db, "select public.spend_credit(%s, %s, 'reading', null) as r", (bob, key))
    assert answer == {"error": "PT409", "code": "idempotency_key_reused"}
    assert wallet(db, bob)["free_points"] == 3


def _blocked_on_a_lock(db: Conn, timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        row = db.execute(
            "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' "
            "and datname = current_database()"
        ).fetchone()
        if row and row["n"] > 0:
            return True
        time.sleep(0.02)
    return False


def test_a_spend_waits_for_the_wallet_lock_then_pays_with_what_is_left(
    db: Conn, pg: PgCluster
) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"star\": 1}')", (uid, f"t:{uid}"))
    spend(db, uid, f"l:{uid}:1")
    spend(db, uid, f"l:{uid}:2")  # one free point and one star left
    sql = "select public.spend_credit(%s, %s, 'reading', null) as r"
    with (
        psycopg.connect(pg.dsn(), row_factory=dict_row) as holder,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        first = outcome(
            holder, sql, (uid, f"l:{uid}:3")
        )  # takes the free point; the transaction stays open

        def second() -> dict[str, Any]:
            with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
                return outcome(conn, sql, (uid, f"l:{uid}:4"))

        later = pool.submit(second)
        blocked = _blocked_on_a_lock(db)
        holder.commit()
        result = later.result(timeout=30)
    assert blocked
    assert first["spent"] == "free_point"
    assert (result.get("error"), result.get("spent")) == (None, "star")
    w = wallet(db, uid)
    assert (w["free_points"], w["stars"]) == (0, 0)


def test_a_spend_is_refunded_once_whatever_the_refund_key(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    spend(db, uid, f"once:{uid}")
    results = [
        db.execute(
            "select public.refund_credit(%s, %s, %s) as r", (uid, f"once:{uid}", key)
        ).fetchone()
        for key in (f"once:{uid}:a", f"once:{uid}:b", f"once:{uid}:c")
    ]
    assert wallet(db, uid)["free_points"] == 3
    assert [r["r"]["refunded"] for r in results if r] == [True, True, True]
    assert [bool(r["r"].get("replayed")) for r in results if r] == [False, True, True]
    assert len([r for r in ledger_rows(db, uid) if r["delta"] > 0 and r["reason"] == "refund"]) == 1


def test_concurrent_refunds_of_one_spend_under_different_keys_refund_once(
    db: Conn, pg: PgCluster
) -> None:
    """Lock-step: the second refund starts while the first is not committed, and must wait for it."""
    uid = login(db)["user"]["id"]
    spend(db, uid, f"conc:{uid}")
    refund = "select public.refund_credit(%s, %s, %s) as r"
    with (
        psycopg.connect(pg.dsn(), row_factory=dict_row) as first,
        psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as second,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        held = first.execute(refund, (uid, f"conc:{uid}", f"conc:{uid}:a")).fetchone()["r"]
        later = pool.submit(
            lambda: second.execute(refund, (uid, f"conc:{uid}", f"conc:{uid}:b")).fetchone()["r"]
        )
        wait_until_blocked(db, second.info.backend_pid)  # past any check it makes before the lock
        first.commit()
        result = later.result(timeout=30)
    assert (
        held.get("refunded"),
        held.get("replayed"),
        result.get("refunded"),
        result.get("replayed"),
    ) == (
        True,
        None,
        True,
        True,
    )
    assert wallet(db, uid)["free_points"] == 3
    refunds = [r for r in ledger_rows(db, uid) if r["delta"] > 0 and r["reason"] == "refund"]
    assert [r["idempotency_key"] for r in refunds] == [f"conc:{uid}:a:free_point"]


def test_exchange_is_refused_while_the_wallet_is_frozen(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"coin\": 200}')", (uid, f"g:{uid}"))
    db.execute("update public.wallets set frozen = true where user_id = %s", (uid,))
    with pytest.raises(psycopg.Error) as err:
        call_as(
            db, "authenticated", "select public.exchange_coins(1, %s)", (f"frozen-{uid}",), sub=uid
        )
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == ("PT403", "account_frozen")
    assert wallet(db, uid)["coins"] == 200
    db.execute("update public.wallets set frozen = false where user_id = %s", (uid,))


def test_exchange_key_reused_with_other_stars_is_422_and_changes_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"coin\": 500}')", (uid, f"g:{uid}"))
    call_as(db, "authenticated", "select public.exchange_coins(1, %s)", (f"reuse-{uid}",), sub=uid)
    with pytest.raises(psycopg.Error) as err:
        call_as(
            db, "authenticated", "select public.exchange_coins(3, %s)", (f"reuse-{uid}",), sub=uid
        )
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == (
        "PT422",
        "idempotency_key_reused",
    )
    again = call_as(
        db, "authenticated", "select public.exchange_coins(1, %s) as r", (f"reuse-{uid}",), sub=uid
    )
    assert again["r"]["replayed"] is True
    assert (wallet(db, uid)["coins"], wallet(db, uid)["stars"]) == (400, 1)


def test_exchange_250_coins_for_2_stars_leaves_50(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"coin\": 250}')", (uid, f"g:{uid}"))
    row = call_as(
        db, "authenticated", "select public.exchange_coins(2, %s) as r", (f"k-{uid}",), sub=uid
    )
    assert row["r"]["wallet"]["coins"] == 50
    assert row["r"]["wallet"]["stars"] == 2
    again = outcome(
        db, "select public.exchange_coins(2, %s) as r", (f"k-{uid}",), "authenticated", uid
    )
    assert (again.get("replayed"), again.get("stars_bought")) == (True, 2)
    assert again["wallet"]["coins"] == wallet(db, uid)["coins"] == 50


def test_exchange_of_exactly_the_coin_balance_succeeds_and_leaves_zero(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"coin\": 200}')", (uid, f"g:{uid}"))
    result = outcome(
        db, "select public.exchange_coins(2, %s) as r", (f"all-{uid}",), "authenticated", uid
    )
    assert (result.get("error"), result.get("stars_bought"), result.get("coins_spent")) == (
        None,
        2,
        200,
    )
    w = wallet(db, uid)
    assert (w["coins"], w["stars"]) == (0, 2)


def test_two_users_may_use_the_same_exchange_key(db: Conn) -> None:
    users = [login(db)["user"]["id"] for _ in range(2)]
    for uid in users:
        db.execute(
            "select public.grant_credit(%s, %s, 'test', '{\"coin\": 100}')", (uid, f"g:{uid}")
        )
    results = [
        outcome(db, "select public.exchange_coins(1, 'tap-0001') as r", (), "authenticated", uid)
        for uid in users
    ]
    assert [(r.get("error"), r.get("stars_bought")) for r in results] == [(None, 1), (None, 1)]
    assert [wallet(db, uid)["stars"] for uid in users] == [1, 1]


def test_exchange_without_enough_coins_is_refused_and_changes_nothing(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    before = ledger_rows(db, uid)
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", "select public.exchange_coins(1, %s)", ("key-12345",), sub=uid)
    assert err.value.diag.message_primary == "insufficient_coins"
    assert ledger_rows(db, uid) == before
    assert wallet(db, uid)["stars"] == 0


def check_in(db: Conn, uid: str, when: str) -> dict[str, Any]:
    row = db.execute(
        "select private.daily_check_in(%s, %s::timestamptz) as r", (uid, when)
    ).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def test_daily_check_in_once_per_bangkok_day_with_a_streak(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    assert check_in(db, uid, "2026-01-01T17:30:00Z")["streak"] == 1  # 00:30 on Jan 2 in Bangkok
    with pytest.raises(psycopg.Error) as err:
        check_in(db, uid, "2026-01-02T16:59:00Z")  # 23:59 on Jan 2 in Bangkok
    assert err.value.diag.message_primary == "already_checked_in"
    assert check_in(db, uid, "2026-01-02T17:00:00Z")["streak"] == 2
    assert check_in(db, uid, "2026-01-05T03:00:00Z")["streak"] == 1  # a gap resets it
    w = wallet(db, uid)
    assert (w["coins"], w["exp"]) == (15, 30)


def test_levels_follow_the_cumulative_exp_curve(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    levels = []
    for i, exp in enumerate([99, 1, 199, 1]):
        db.execute(
            "select public.grant_credit(%s, %s, 'test', jsonb_build_object('exp', %s::int))",
            (uid, f"lvl:{uid}:{i}", exp),
        )
        levels.append(wallet(db, uid)["level"])
    assert levels == [1, 2, 2, 3]


def test_referral_rewards_both_sides_once_and_refuses_self_and_second_attribution(db: Conn) -> None:
    inviter = login(db)["user"]
    invitee = login(db, ref=inviter["referral_code"])
    assert invitee["referral"] == "attributed"
    assert invitee["user"]["wallet"]["stars"] == 1
    for code in (inviter["referral_code"], invitee["user"]["referral_code"]):
        with pytest.raises(psycopg.Error) as err:
            db.execute("select private.attribute_referral(%s, %s)", (invitee["user"]["id"], code))
        assert err.value.diag.message_primary in {"already_referred", "self_referral"}
    with pytest.raises(psycopg.Error) as err:
        db.execute(
            "select private.attribute_referral(%s, %s)", (inviter["id"], inviter["referral_code"])
        )
    assert err.value.diag.message_primary == "self_referral"
    for _ in range(2):
        db.execute("select private.reward_referrer(%s)", (invitee["user"]["id"],))
    assert wallet(db, inviter["id"])["coins"] == 50


def test_a_bad_referral_code_does_not_block_login(db: Conn) -> None:
    result = login(db, ref="NOPE0000")
    assert result["created"] is True
    assert result["referral"] == "ignored"


def test_user_jwt_cannot_call_server_only_functions(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    for sql in (
        "select public.grant_credit(%s, 'x:1', 'hack', '{\"star\": 99}')",
        "select public.spend_credit(%s, 'x:2', 'hack')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            call_as(db, "authenticated", sql, (uid,), sub=uid)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(
            db,
            "authenticated",
            "update public.wallets set stars = 99 where user_id = %s",
            (uid,),
            sub=uid,
        )


@pytest.mark.parametrize(
    "statement",
    [
        "update public.ledger set delta = delta + 1 where user_id = %s",
        "delete from public.ledger where user_id = %s",
        "truncate public.ledger",
    ],
    ids=["update", "delete", "truncate"],
)
def test_the_ledger_refuses_update_delete_and_truncate_even_for_the_owner(
    db: Conn, statement: str
) -> None:
    uid = login(db)["user"]["id"]
    before = ledger_rows(db, uid)
    with pytest.raises(psycopg.Error) as err:
        db.execute(statement, (uid,) if "%s" in statement else ())
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == (
        "PT403",
        "ledger_append_only",
    )
    assert ledger_rows(db, uid) == before != []


def test_concurrent_first_logins_of_one_line_user_create_one_user_and_one_bonus(
    pg: PgCluster, db: Conn
) -> None:
    line_user = "U" + uuid.uuid4().hex

    def attempt(_: int) -> str:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            row = conn.execute(
                "select public.login_line_user(%s, 'A', null, %s, 60) as r",
                (line_user, secrets.token_hex(32)),
            ).fetchone()
            assert row
            return str(row["r"]["user"]["id"])

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = set(pool.map(attempt, range(10)))
    assert len(ids) == 1
    assert len(ledger_rows(db, ids.pop())) == 1


def test_clock_is_injectable_only_on_the_private_function(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(db, "authenticated", "select private.daily_check_in(%s, now())", (uid,), sub=uid)
    bangkok = ZoneInfo("Asia/Bangkok")
    before = datetime.now(bangkok).date().isoformat()
    row = call_as(db, "authenticated", "select public.daily_check_in() as r", sub=uid)
    after = datetime.now(bangkok).date().isoformat()
    assert row["r"]["streak"] == 1
    assert row["r"]["day"] in {before, after}  # the server's clock, in Bangkok
    assert str(wallet(db, uid)["last_check_in"]) == row["r"]["day"]
