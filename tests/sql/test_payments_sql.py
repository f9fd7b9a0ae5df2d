"""Payments in SQL: recording intents, crediting once, pro-rata clawbacks, ordering, disputes, concurrency, RLS."""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login, outcome

Conn = psycopg.Connection[dict[str, Any]]


def new_pi() -> str:
    return "pi_" + secrets.token_hex(12)


def record(
    db: Conn, uid: str, package_id: str = "stars_25", pi: str | None = None
) -> dict[str, Any]:
    row = call_as(
        db,
        "authenticated",
        "select public.record_payment_intent(%s, %s) as r",
        (pi or new_pi(), package_id),
        sub=uid,
    )
    result: dict[str, Any] = row["r"]
    return result


def apply(db: Conn, type_: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    event = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": type_,
        "data": {"object": obj},
        "created": 1,
        "livemode": False,
    }
    row = db.execute(
        "select public.apply_stripe_event(%s, %s, %s::jsonb) as r",
        (event["id"], type_, json.dumps(event)),
    ).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def intent(pay: dict[str, Any], uid: str, **changes: Any) -> dict[str, Any]:
    obj = {
        "id": pay["payment_intent_id"],
        "object": "payment_intent",
        "amount": pay["amount_satang"],
        "amount_received": pay["amount_satang"],
        "currency": "thb",
        "status": "succeeded",
        "metadata": {"user_id": uid, "package_id": pay["package_id"]},
        "latest_charge": "ch_" + pay["id"][:8],
    }
    return {**obj, **changes}


def charge(pay: dict[str, Any], refunded: int) -> dict[str, Any]:
    return {
        "id": "ch_" + pay["id"][:8],
        "object": "charge",
        "amount": pay["amount_satang"],
        "currency": "thb",
        "amount_refunded": refunded,
        "payment_intent": pay["payment_intent_id"],
    }


def dispute(pay: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "id": "dp_" + pay["id"][:8],
        "object": "dispute",
        "charge": "ch_" + pay["id"][:8],
        "payment_intent": pay["payment_intent_id"],
        "status": status,
        "amount": pay["amount_satang"],
    }


def wallet(db: Conn, uid: str) -> dict[str, Any]:
    row = db.execute("select * from public.wallets where user_id = %s", (uid,)).fetchone()
    assert row
    return row


def payment(db: Conn, pay: dict[str, Any]) -> dict[str, Any]:
    row = db.execute("select * from public.payments where id = %s", (pay["id"],)).fetchone()
    assert row
    return row


def spend(db: Conn, uid: str) -> dict[str, Any]:
    key = "t:" + secrets.token_hex(8)
    row = db.execute("select public.spend_credit(%s, %s, 'reading') as r", (uid, key)).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def test_record_uses_the_package_price_and_is_idempotent(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pi = new_pi()
    first, again = record(db, uid, "stars_10", pi), record(db, uid, "stars_10", pi)
    assert first == again
    assert (first["amount_satang"], first["currency"], first["stars"], first["status"]) == (
        9900,
        "thb",
        10,
        "pending",
    )


def test_record_with_a_key_reused_for_another_package_is_422(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    sql = "select public.record_payment_intent(%s, %s, %s) as r"
    first = call_as(db, "authenticated", sql, (new_pi(), "stars_10", "tap-reused-1"), sub=uid)["r"]
    again = call_as(
        db, "authenticated", sql, (first["payment_intent_id"], "stars_10", "tap-reused-1"), sub=uid
    )["r"]
    assert again == first
    with pytest.raises(psycopg.Error) as err:
        call_as(db, "authenticated", sql, (new_pi(), "stars_60", "tap-reused-1"), sub=uid)
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == (
        "PT422",
        "idempotency_key_reused",
    )
    other = login(db)["user"]["id"]  # keys are the user's own
    assert (
        call_as(db, "authenticated", sql, (new_pi(), "stars_60", "tap-reused-1"), sub=other)["r"][
            "stars"
        ]
        == 60
    )


def test_record_refuses_unknown_inactive_and_foreign(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    db.execute(
        "insert into public.packages (id, kind, title, price_satang, stars, active) values "
        "('old_stars_5', 'stars', 'Old', 5000, 5, false) on conflict do nothing"
    )
    cases = [
        ("stars_999", "PT404", "package_not_found"),
        ("old_stars_5", "PT422", "package_not_purchasable"),
    ]
    for package_id, sqlstate, code in cases:
        with pytest.raises(psycopg.Error) as err:
            record(db, uid, package_id)
        assert (err.value.diag.sqlstate, err.value.diag.message_primary) == (sqlstate, code)
    pi = record(db, uid)["payment_intent_id"]
    with pytest.raises(psycopg.Error) as err:
        record(db, other, pi=pi)
    assert err.value.diag.message_primary == "payment_intent_conflict"


def test_succeeded_credits_once_across_events_and_redeliveries(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    first = apply(db, "payment_intent.succeeded", intent(pay, uid), "evt_once_" + pay["id"][:8])
    redelivered = apply(
        db, "payment_intent.succeeded", intent(pay, uid), "evt_once_" + pay["id"][:8]
    )
    other_event = apply(db, "payment_intent.succeeded", intent(pay, uid))
    assert [first["outcome"], redelivered["outcome"], other_event["outcome"]] == [
        "credited",
        "duplicate",
        "already_credited",
    ]
    assert redelivered["first_outcome"] == "credited"
    assert wallet(db, uid)["stars"] == 25
    assert payment(db, pay)["status"] == "succeeded"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": 100}, "amount_mismatch"),
        ({"amount_received": 100}, "amount_mismatch"),
        ({"currency": "usd"}, "currency_mismatch"),
        ({"metadata": {"user_id": "x", "package_id": "stars_25"}}, "metadata_mismatch"),
        ({"metadata": {}}, "metadata_mismatch"),
    ],
)
def test_a_mismatched_payment_is_flagged_not_credited(
    db: Conn, changes: dict[str, Any], reason: str
) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    result = apply(db, "payment_intent.succeeded", intent(pay, uid, **changes))
    assert (result["outcome"], result["reason"]) == ("mismatch", reason)
    row = payment(db, pay)
    assert (row["flagged"], row["flag_reason"], row["status"], row["stars_credited"]) == (
        True,
        reason,
        "needs_review",
        0,
    )
    assert wallet(db, uid)["stars"] == 0


def test_partial_refunds_claw_back_pro_rata_of_the_new_amount_only(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)  # 25 stars for 199.00 THB
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    apply(db, "charge.refunded", charge(pay, 10000))  # floor(25 * 10000 / 19900) = 12
    assert wallet(db, uid)["stars"] == 13
    assert payment(db, pay)["status"] == "partially_refunded"
    apply(db, "charge.refunded", charge(pay, 15000))  # cumulative 18: 6 more
    stale = apply(
        db, "charge.refunded", charge(pay, 10000)
    )  # an older total arriving late changes nothing
    assert stale["outcome"] == "refund_already_applied"
    assert wallet(db, uid)["stars"] == 7
    apply(db, "charge.refunded", charge(pay, 19900))  # full refund: every star
    assert wallet(db, uid)["stars"] == 0
    row = payment(db, pay)
    assert (row["status"], row["stars_clawed_back"], row["amount_refunded"]) == (
        "refunded",
        25,
        19900,
    )


@pytest.mark.parametrize(("refunded", "stars"), [(19900, 0), (9950, 13)])
def test_refund_before_succeeded_ends_with_the_same_balances(
    db: Conn, refunded: int, stars: int
) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    assert apply(db, "charge.refunded", charge(pay, refunded))["outcome"] == "refund_applied"
    assert wallet(db, uid)["stars"] == 0
    assert apply(db, "payment_intent.succeeded", intent(pay, uid))["outcome"] == "credited"
    assert wallet(db, uid)["stars"] == stars
    reasons = db.execute(
        "select reason, delta from public.ledger where user_id = %s and currency = 'star' "
        "order by id",
        (uid,),
    ).fetchall()
    assert [r["reason"] for r in reasons] == ["stripe_purchase", "payment_clawback"]


def test_refund_after_spending_goes_negative_blocks_spending_and_a_new_purchase_repays(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid, "stars_10")
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    for _ in range(13):  # 3 free points, then the 10 stars
        spend(db, uid)
    apply(db, "charge.refunded", charge(pay, 9900))
    w = wallet(db, uid)
    assert (w["stars"], w["clawback_debt"]) == (-10, 10)
    with pytest.raises(psycopg.Error) as err:
        spend(db, uid)
    assert err.value.diag.message_primary == "insufficient_credits"
    second = record(db, uid, "stars_25")
    apply(db, "payment_intent.succeeded", intent(second, uid))
    w = wallet(db, uid)
    assert (w["stars"], w["clawback_debt"]) == (15, 0)
    assert spend(db, uid)["spent"] == "star"


def test_spending_is_refused_while_stars_are_negative_even_with_free_points_left(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid, "stars_10")
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    for _ in range(13):  # 3 free points, then the 10 stars
        spend(db, uid)
    apply(db, "charge.refunded", charge(pay, 9900))
    db.execute(
        "select public.grant_credit(%s, %s, 'support_gift', '{\"free_point\": 2}')",
        (uid, f"gift:{uid}"),
    )
    answer = outcome(db, "select public.spend_credit(%s, %s, 'reading') as r", (uid, f"neg:{uid}"))
    assert answer == {"error": "PT409", "code": "insufficient_credits"}
    w = wallet(db, uid)
    assert (w["stars"], w["free_points"]) == (-10, 2)


def test_dispute_freezes_until_won(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    apply(db, "charge.dispute.created", dispute(pay, "needs_response"))
    assert wallet(db, uid)["frozen"]
    assert payment(db, pay)["status"] == "disputed"
    with pytest.raises(psycopg.Error) as err:
        spend(db, uid)
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == ("PT403", "account_frozen")
    assert apply(db, "charge.dispute.closed", dispute(pay, "won"))["outcome"] == "dispute_won"
    w = wallet(db, uid)
    assert (w["frozen"], w["stars"]) == (False, 25)
    assert payment(db, pay)["status"] == "succeeded"


def test_a_lost_dispute_claws_back_the_rest_and_unfreezes(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    apply(db, "charge.refunded", charge(pay, 10000))
    apply(db, "charge.dispute.created", dispute(pay, "needs_response"))
    apply(db, "charge.dispute.closed", dispute(pay, "lost"))
    w, row = wallet(db, uid), payment(db, pay)
    assert (w["frozen"], w["stars"]) == (False, 0)
    assert (row["status"], row["stars_clawed_back"], row["flag_reason"]) == (
        "dispute_lost",
        25,
        "dispute_lost",
    )


def test_dispute_closed_before_created_does_not_reopen(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    apply(db, "charge.dispute.closed", dispute(pay, "won"))
    apply(db, "charge.dispute.created", dispute(pay, "needs_response"))
    assert not wallet(db, uid)["frozen"]
    assert payment(db, pay)["status"] == "succeeded"


def test_one_open_dispute_keeps_the_wallet_frozen_when_another_is_won(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    a, b = record(db, uid), record(db, uid)
    for pay in (a, b):
        apply(db, "payment_intent.succeeded", intent(pay, uid))
        apply(db, "charge.dispute.created", dispute(pay, "needs_response"))
    apply(db, "charge.dispute.closed", dispute(a, "won"))
    assert wallet(db, uid)["frozen"]
    apply(db, "charge.dispute.closed", dispute(b, "won"))
    assert not wallet(db, uid)["frozen"]


def test_failed_then_succeeded_in_any_order_is_succeeded(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    assert (
        apply(
            db, "payment_intent.payment_failed", intent(pay, uid, status="requires_payment_method")
        )["payment"]["status"]
        == "failed"
    )
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    apply(db, "payment_intent.payment_failed", intent(pay, uid))
    assert payment(db, pay)["status"] == "succeeded"
    assert wallet(db, uid)["stars"] == 25


def test_events_for_unknown_payments_are_stored_and_change_nothing(db: Conn) -> None:
    ghost = {
        "id": new_pi(),
        "object": "payment_intent",
        "amount": 9900,
        "currency": "thb",
        "metadata": {},
    }
    result = apply(db, "payment_intent.succeeded", ghost, "evt_ghost_" + secrets.token_hex(4))
    assert result["outcome"] == "unknown_payment"
    row = db.execute(
        "select outcome, payment_intent_id from private.stripe_events where payment_intent_id = %s",
        (ghost["id"],),
    ).fetchone()
    assert row == {"outcome": "unknown_payment", "payment_intent_id": ghost["id"]}


def _concurrently(
    pg: PgCluster, calls: list[tuple[str, str]], type_: str, obj: dict[str, Any]
) -> list[str]:
    def run(call: tuple[str, str]) -> str:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            return str(apply(conn, type_, obj, call[0])["outcome"])

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return sorted(pool.map(run, calls))


def test_five_concurrent_deliveries_credit_once(db: Conn, pg: PgCluster) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    event_id = "evt_conc_" + secrets.token_hex(6)
    outcomes = _concurrently(pg, [(event_id, "")] * 5, "payment_intent.succeeded", intent(pay, uid))
    assert outcomes == ["credited"] + ["duplicate"] * 4
    other = _concurrently(
        pg,
        [("evt_" + secrets.token_hex(8), "") for _ in range(5)],
        "payment_intent.succeeded",
        intent(pay, uid),
    )
    assert other == ["already_credited"] * 5
    assert wallet(db, uid)["stars"] == 25


def test_only_the_server_applies_events_and_users_see_only_their_own_payments(db: Conn) -> None:
    uid, other = login(db)["user"]["id"], login(db)["user"]["id"]
    pay = record(db, uid)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(
            db,
            "authenticated",
            "select public.apply_stripe_event('evt_x', 'charge.refunded', '{}')",
            sub=uid,
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(db, "anon", "select public.record_payment_intent('pi_x', 'stars_10')")
    count = "select count(*) as n from public.payments where id = %s"
    mine = call_as(db, "authenticated", count, (pay["id"],), sub=uid)
    theirs = call_as(db, "authenticated", count, (pay["id"],), sub=other)
    assert (mine["n"], theirs["n"]) == (1, 0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(db, "authenticated", "select flag_reason from public.payments", sub=uid)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(db, "authenticated", "select count(*) from private.stripe_events", sub=uid)
