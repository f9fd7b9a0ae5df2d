"""stripe_webhook function: real signatures, once-only credit, ordering, mismatches, refunds, disputes."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from mimi_local.lambda_adapter import build_event
from mimi_local.stack import LocalStack
from mimi_local.stripe import sign_payload
from tests.functions.conftest import bearer, login, refusal
from tests.functions.payments_support import (
    buy,
    dev_action,
    event_of,
    new_event,
    payments_url,
    send,
    wallet,
    webhook_url,
)


def stored(sql: Any, event_id: str) -> int:
    row = sql.execute(
        "select count(*) as n from private.stripe_events where id = %s", (event_id,)
    ).fetchone()
    return int(row["n"])


def paid_but_undelivered(
    stack: LocalStack, session: dict[str, Any], package_id: str = "stars_25"
) -> dict[str, Any]:
    """A PaymentIntent the stand-in marked succeeded without telling the webhook yet: its success event."""
    intent = buy(stack, session, package_id)
    return event_of(
        dev_action(stack, intent["payment_intent_id"], "succeed", deliver=False),
        "payment_intent.succeeded",
    )


@pytest.fixture
def mimi_logs() -> Iterator[list[dict[str, Any]]]:
    """The JSON log lines the functions write while the test runs (they run in this process)."""
    lines: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(record.getMessage()))

    handler = Collect()
    logging.getLogger("mimi").addHandler(handler)
    yield lines
    logging.getLogger("mimi").removeHandler(handler)


def invoke_in_own_environment(stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    """Run the webhook's real handler(event, context) as one Lambda environment would: its own thread and loop."""
    payload = json.dumps(event)
    headers = {
        "content-type": "application/json",
        "stripe-signature": sign_payload(payload, stack.secrets["stripe_webhook_secret"]),
    }
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        result = stack.functions["stripe_webhook"].invoke(
            build_event("POST", "/", "", headers, payload.encode())
        )
    finally:
        asyncio.get_event_loop().close()
        asyncio.set_event_loop(None)
    return {"status": result["statusCode"], **json.loads(result["body"])}


def test_the_same_event_delivered_five_times_concurrently_credits_once(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    # five environments at once, as Lambda scales out (the dev server's worker threads share one handler)
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: invoke_in_own_environment(stack, event), range(5)))
    assert [r["status"] for r in results] == [200] * 5
    assert sorted(r["outcome"] for r in results) == ["credited"] + ["duplicate"] * 4
    assert wallet(stack, session)["stars"] == 25
    assert stored(sql, event["id"]) == 1


def test_two_different_events_for_one_payment_intent_credit_once(stack: LocalStack) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    twin = new_event("payment_intent.succeeded", event["data"]["object"])
    assert send(stack, event).json()["outcome"] == "credited"
    assert send(stack, twin).json()["outcome"] == "already_credited"
    assert wallet(stack, session)["stars"] == 25


def test_refund_arriving_before_succeeded_leaves_the_right_balances(stack: LocalStack) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    dev_action(stack, event["data"]["object"]["id"], "refund", amount=9950)  # half, delivered now
    assert wallet(stack, session)["stars"] == 0
    assert send(stack, event).json()["outcome"] == "credited"
    assert wallet(stack, session)["stars"] == 13  # 25 - floor(25 * 9950 / 19900)
    dev_action(stack, event["data"]["object"]["id"], "refund")  # the rest
    assert wallet(stack, session)["stars"] == 0
    item = httpx.get(payments_url(stack), headers=bearer(session)).json()["items"][0]
    assert (item["status"], item["amount_refunded"], item["stars_clawed_back"]) == (
        "refunded",
        19900,
        25,
    )


@pytest.mark.parametrize("changes", [{"amount": 100, "amount_received": 100}, {"currency": "usd"}])
def test_wrong_amount_or_currency_is_flagged_not_credited_and_acknowledged(
    stack: LocalStack, sql: Any, mimi_logs: list[dict[str, Any]], changes: dict[str, Any]
) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    forged = new_event("payment_intent.succeeded", {**event["data"]["object"], **changes})
    response = send(stack, forged)
    assert response.status_code == 200
    assert response.json()["outcome"] == "mismatch"
    assert wallet(stack, session)["stars"] == 0
    row = sql.execute(
        "select flagged, flag_reason, status from public.payments where payment_intent_id = %s",
        (event["data"]["object"]["id"],),
    ).fetchone()
    assert row["flagged"]
    assert row["status"] == "needs_review"
    assert row["flag_reason"].endswith("_mismatch")
    warning = next(
        line
        for line in mimi_logs
        if line["event"] == "stripe_event" and line["event_id"] == forged["id"]
    )
    assert warning["level"] == "warning"
    assert warning["outcome"] == "mismatch"
    assert stack.secrets["stripe_webhook_secret"] not in json.dumps(mimi_logs)


def test_bad_signatures_and_bodies_are_rejected_and_nothing_is_stored(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    payload = json.dumps(event)
    good = sign_payload(payload, stack.secrets["stripe_webhook_secret"])
    tampered = payload.replace('"amount": 19900', '"amount": 1990000')
    attempts = [
        httpx.post(
            webhook_url(stack), content=tampered.encode(), headers={"Stripe-Signature": good}
        ),
        send(stack, payload, timestamp=int(time.time()) - 301),
        send(stack, payload, secret="whsec_" + secrets.token_hex(24)),
        httpx.post(webhook_url(stack), content=payload.encode()),
    ]
    for response in attempts:
        assert refusal(response) == (400, "invalid_signature"), response.text
    assert stored(sql, event["id"]) == 0
    assert wallet(stack, session)["stars"] == 0
    assert (
        send(stack, payload).json().get("outcome") == "credited"
    )  # the genuine delivery still works


def test_a_signed_body_that_is_not_an_event_is_an_invalid_payload(stack: LocalStack) -> None:
    for body in ("not json", "[]", "null", json.dumps({"id": "evt_1", "object": "charge"})):
        response = send(stack, body)
        assert refusal(response) == (400, "invalid_payload"), body


def test_other_event_types_are_acknowledged_and_not_stored(stack: LocalStack, sql: Any) -> None:
    event = new_event(
        "customer.created", {"id": "cus_" + secrets.token_hex(6), "object": "customer"}
    )
    response = send(stack, event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert stored(sql, event["id"]) == 0


CRASH_ONCE = """
create sequence public.test_webhook_crash_seq;
create function public.test_webhook_crash() returns trigger language plpgsql as $$
begin
  -- nextval is not rolled back with the failing transaction, so only the first attempt crashes
  if nextval('public.test_webhook_crash_seq') = 1 then
    raise exception using errcode = '57P01', message = 'simulated crash while applying an event';
  end if;
  return new;
end $$;
create trigger test_webhook_crash before update on public.payments for each row
  when (new.payment_intent_id = '{pi}') execute function public.test_webhook_crash();
"""


@pytest.fixture
def crash_first_update(sql: Any) -> Iterator[Any]:
    """Make the first update of one payment fail inside the database, as a crash would."""
    yield lambda pi: sql.execute(CRASH_ONCE.replace("{pi}", pi))
    sql.execute("drop trigger if exists test_webhook_crash on public.payments")
    sql.execute(
        "drop function if exists public.test_webhook_crash(); "
        "drop sequence if exists public.test_webhook_crash_seq"
    )


def test_a_failure_inside_answers_5xx_and_the_retry_applies(
    stack: LocalStack, sql: Any, crash_first_update: Any
) -> None:
    session = login(stack)
    event = paid_but_undelivered(stack, session)
    crash_first_update(event["data"]["object"]["id"])
    broken = send(stack, event)
    assert refusal(broken) == (503, "webhook_failed")
    assert stored(sql, event["id"]) == 0  # rolled back with the failure
    retry = send(stack, event)
    assert retry.status_code == 200
    assert retry.json()["outcome"] == "credited"


def test_refund_after_spending_goes_negative_and_blocks_spending(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    intent = buy(stack, session, "stars_10")
    dev_action(stack, intent["payment_intent_id"], "succeed")
    for i in range(13):  # the 3 welcome free points, then all 10 stars
        sql.execute("select public.spend_credit(%s, %s, 'reading')", (uid, f"t:{uid}:{i}"))
    dev_action(stack, intent["payment_intent_id"], "refund")
    assert wallet(stack, session)["stars"] == -10
    debt = sql.execute(
        "select clawback_debt from public.wallets where user_id = %s", (uid,)
    ).fetchone()
    assert debt["clawback_debt"] == 10
    with pytest.raises(psycopg.Error) as err:
        sql.execute("select public.spend_credit(%s, %s, 'reading')", (uid, f"t:{uid}:after"))
    assert err.value.diag.message_primary == "insufficient_credits"
    negatives = sql.execute(
        "select count(*) as n from public.wallets where stars < 0 and clawback_debt < -stars"
    )
    assert negatives.fetchone()["n"] == 0


def test_a_dispute_freezes_spending_until_it_is_won(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    intent = buy(stack, session, "stars_25")
    dev_action(stack, intent["payment_intent_id"], "succeed")
    dev_action(stack, intent["payment_intent_id"], "dispute")
    assert wallet(stack, session)["frozen"] is True
    with pytest.raises(psycopg.Error) as err:
        sql.execute("select public.spend_credit(%s, %s, 'reading')", (uid, f"t:{uid}:frozen"))
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == ("PT403", "account_frozen")
    reading = httpx.post(
        f"{stack.url}/functions/readings/",
        headers=bearer(session),
        json={"question": "ความรักของฉันจะเป็นอย่างไรในปีนี้"},
    )
    assert refusal(reading) == (403, "account_frozen")
    dev_action(stack, intent["payment_intent_id"], "dispute", outcome="won")
    after = wallet(stack, session)
    assert (after["frozen"], after["stars"]) == (False, 25)


def test_a_lost_dispute_claws_back_the_stars(stack: LocalStack) -> None:
    session = login(stack)
    intent = buy(stack, session, "stars_60")
    dev_action(stack, intent["payment_intent_id"], "succeed")
    result = dev_action(stack, intent["payment_intent_id"], "dispute", outcome="lost")
    assert [e["type"] for e in result["events"]] == [
        "charge.dispute.created",
        "charge.dispute.closed",
    ]
    assert (wallet(stack, session)["stars"], wallet(stack, session)["frozen"]) == (0, False)
    item = httpx.get(payments_url(stack), headers=bearer(session)).json()["items"][0]
    assert (item["status"], item["stars_clawed_back"]) == ("dispute_lost", 60)
