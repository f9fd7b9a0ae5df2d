"""End to end on the dev stack: an imported user logs in with LINE, then Stripe events for their old PaymentIntent
arrive at the real, signed webhook and apply to them, once."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from mimi_local.stack import LocalStack
from mimi_ops.legacy_import.cli import run
from tests.functions.conftest import bearer, line_token
from tests.functions.payments_support import new_event, payments_url, send, wallet
from tests.ops.legacy_import.legacy_support import legacy_database, seed


def first_login(stack: LocalStack, line: str) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.url}/functions/auth/line", json={"id_token": line_token(stack, sub=line)}
    )
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def charge(pi: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "ch_" + pi[3:],
        "object": "charge",
        "amount": 19900,
        "currency": "thb",
        "payment_intent": pi,
        **fields,
    }


def test_stripe_events_for_an_old_payment_intent_apply_to_the_imported_user_once(
    stack: LocalStack,
) -> None:
    with legacy_database(stack.pg) as dsn:
        seeded = seed(dsn)
        run(dsn, stack.pg.dsn(), dry_run=False)
    alice = first_login(stack, str(seeded.lines["alice"]))
    assert (wallet(stack, alice)["stars"], wallet(stack, alice)["free_points"]) == (
        30,
        2,
    )  # no welcome bonus
    pi = seeded.pis["paid"]
    redelivered = new_event(
        "payment_intent.succeeded",
        {
            "id": pi,
            "object": "payment_intent",
            "amount": 19900,
            "amount_received": 19900,
            "currency": "thb",
            "status": "succeeded",
            "metadata": {"userId": seeded.ids["alice"], "packId": "2"},
        },
    )
    assert send(stack, redelivered).json()["outcome"] == "already_credited"
    refund = new_event("charge.refunded", charge(pi, amount_refunded=9950))
    assert send(stack, refund).json()["outcome"] == "refund_applied"
    assert send(stack, refund).json()["outcome"] == "duplicate"
    assert (
        wallet(stack, alice)["stars"] == 30 - 12
    )  # floor(25 * 9950 / 19900) of the 25 the old app credited
    dispute = {
        "id": "dp_" + pi[3:],
        "object": "dispute",
        "charge": "ch_" + pi[3:],
        "payment_intent": pi,
        "amount": 9950,
        "currency": "thb",
    }
    assert (
        send(
            stack, new_event("charge.dispute.created", {**dispute, "status": "needs_response"})
        ).status_code
        == 200
    )
    assert wallet(stack, alice)["frozen"] is True
    assert (
        send(stack, new_event("charge.dispute.closed", {**dispute, "status": "lost"})).status_code
        == 200
    )
    assert (wallet(stack, alice)["stars"], wallet(stack, alice)["frozen"]) == (30 - 25, False)
    item = next(
        p
        for p in httpx.get(payments_url(stack), headers=bearer(alice)).json()["items"]
        if p["package_id"] == "legacy_2"
    )
    assert (item["status"], item["stars_clawed_back"]) == ("dispute_lost", 25)
    with psycopg.connect(stack.pg.dsn(), row_factory=dict_row) as conn:
        keys = [
            r["idempotency_key"]
            for r in conn.execute(
                "select idempotency_key from public.ledger l join public.users u on u.id = l.user_id "
                "where u.line_user_id = %s and l.reason = 'payment_clawback' order by l.id",
                (seeded.lines["alice"],),
            ).fetchall()
        ]
        assert keys == [f"stripe:{pi}:clawback:12:star", f"stripe:{pi}:clawback:25:star"]
        assert conn.execute("select * from public.ledger_mismatches()").fetchall() == []
