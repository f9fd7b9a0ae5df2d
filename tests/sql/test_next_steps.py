"""A refusal a user can act on carries its numbers as JSON in the raised HINT (0041), taken from the row the SQL
function holds: the price and balance, the coins an exchange needs, the next check-in day, the seconds to wait."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.sql import test_payments_sql as payments
from tests.sql.conftest import call_as, login
from tests.sql.test_credits import check_in, spend, wallet
from tests.sql.test_limits import funded_user, submit

Conn = psycopg.Connection[dict[str, Any]]


def refusal(call: Callable[[], Any]) -> tuple[str, str, dict[str, Any]]:
    """The sqlstate, code and HINT fields of a call that must raise."""
    with pytest.raises(psycopg.Error) as err:
        call()
    diag = err.value.diag
    return str(diag.sqlstate), str(diag.message_primary), json.loads(diag.message_hint or "null")


def test_insufficient_credits_says_the_price_and_the_balance(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    for i in range(3):  # the welcome points
        spend(db, uid, f"s:{uid}:{i}")
    assert refusal(lambda: spend(db, uid, f"s:{uid}:3")) == (
        "PT409",
        "insufficient_credits",
        {"price": 1, "stars": 0, "free_points": 0},
    )
    assert wallet(db, uid)["free_points"] == 0


def test_a_negative_star_balance_says_it_too(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = payments.record(db, uid, "stars_10")
    payments.apply(db, "payment_intent.succeeded", payments.intent(pay, uid))
    for i in range(13):  # 3 free points, then the 10 stars
        spend(db, uid, f"s:{uid}:{i}")
    payments.apply(db, "charge.refunded", payments.charge(pay, 9900))  # claws the 10 stars back
    assert refusal(lambda: spend(db, uid, f"s:{uid}:neg")) == (
        "PT409",
        "insufficient_credits",
        {"price": 1, "stars": -10, "free_points": 0},
    )


def test_insufficient_coins_says_the_coins_the_exchange_needs_and_the_coins_held(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute("select public.grant_credit(%s, %s, 'test', '{\"coin\": 130}')", (uid, f"g:{uid}"))
    coins = wallet(db, uid)["coins"]

    def exchange() -> Any:
        return call_as(
            db, "authenticated", "select public.exchange_coins(3, 'tap-00003') as r", sub=uid
        )

    assert refusal(exchange) == (
        "PT409",
        "insufficient_coins",
        {"coins_needed": 300, "coins": coins},
    )
    assert wallet(db, uid)["coins"] == coins


def test_already_checked_in_says_the_bangkok_day_of_the_next_check_in(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    check_in(db, uid, "2026-01-01T17:30:00Z")  # 00:30 on Jan 2 in Bangkok
    assert refusal(lambda: check_in(db, uid, "2026-01-02T16:59:00Z")) == (
        "PT409",
        "already_checked_in",
        {"next_check_in": "2026-01-03"},
    )


def test_a_sql_rate_limit_says_the_seconds_to_wait(db: Conn) -> None:
    uid = funded_user(db)
    for _ in range(5):
        submit(db, uid)
    state, code, fields = refusal(lambda: submit(db, uid))
    assert (state, code, set(fields)) == ("PT429", "rate_limited", {"retry_after"})
    assert 1 <= fields["retry_after"] <= 60


def test_the_next_step_overload_of_fail_is_closed_to_every_api_role(db: Conn) -> None:
    row = db.execute(
        "select bool_or(has_function_privilege(r, 'private.fail(integer, text, text, jsonb)', 'execute'))"
        " as any from unnest(array['anon', 'authenticated', 'service_role']) r"
    ).fetchone()
    assert row == {"any": False}
