"""Admins edit spreads (issue 14 item 1): validated field by field in SQL, audited, and the next reading pays it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mimi_local.stack import LocalStack
from tests.functions.admin_support import audit_rows, call, new_admin, ok
from tests.functions.conftest import bearer, login, refusal, rpc_refusal
from tests.functions.invoke_support import invoke
from tests.functions.readings_support import submit, wallet

WHY = {"reason": "spread pricing review"}
SPREAD_ROW = "select to_jsonb(s) as row from public.spreads s where id = %s"


def spread(sql: Any, spread_id: str) -> dict[str, Any]:
    row: dict[str, Any] = sql.execute(SPREAD_ROW, (spread_id,)).fetchone()["row"]
    return row


@pytest.fixture
def love(sql: Any) -> Iterator[dict[str, Any]]:
    """The `love` spread as it was; put back afterwards (the stack is shared with other tests)."""
    before = spread(sql, "love")
    yield before
    sql.execute(
        "update public.spreads set price = %(price)s, active = %(active)s, name_en = %(name_en)s"
        " where id = 'love'",
        before,
    )


def test_an_admin_edits_a_spreads_price_and_the_next_submit_spends_it(
    stack: LocalStack, sql: Any, love: dict[str, Any]
) -> None:
    admin, user = new_admin(stack), login(stack)
    assert love["price"] == 1
    saved = ok(call(stack, admin, "PUT", "/spreads/love", json={"price": 3, **WHY}))
    assert (saved["price"], saved["card_count"], saved["name_en"]) == (3, 5, love["name_en"])
    listed = httpx.get(f"{stack.url}/functions/readings/spreads", headers=bearer(user)).json()
    assert next(s["price"] for s in listed if s["id"] == "love") == 3
    before = wallet(stack, user)
    response = submit(stack, user, spread="love")
    assert response.status_code == 202, response.text
    assert response.json()["price"] == 3
    after = wallet(stack, user)
    assert before["free_points"] + before["stars"] - after["free_points"] - after["stars"] == 3
    [entry] = [r for r in audit_rows(sql, action="update_spread") if r["after"]["price"] == 3]
    assert (entry["target"], str(entry["admin_id"]), entry["reason"]) == (
        "love",
        admin["user"]["id"],
        WHY["reason"],
    )
    assert (entry["before"]["price"], entry["after"]["price"]) == (1, 3)
    assert entry["before"] == love
    catalog = ok(call(stack, admin, "GET", "/catalog"))
    assert next(s for s in catalog["spreads"] if s["id"] == "love")["price"] == 3
    assert {s["id"] for s in catalog["spreads"]} >= {"single", "three", "daily", "follow_up"}


def test_a_spread_is_deactivated_and_names_positions_and_count_change_together(
    stack: LocalStack, sql: Any, love: dict[str, Any]
) -> None:
    admin, user = new_admin(stack), login(stack)
    ok(call(stack, admin, "PUT", "/spreads/love", json={"active": False, **WHY}))
    refused = submit(stack, user, spread="love")
    assert refusal(refused) == (422, "spread_unknown")
    ok(call(stack, admin, "PUT", "/spreads/love", json={"active": True, **WHY}))
    single = spread(sql, "single")
    try:
        two = {
            "card_count": 2,
            "position_keys": ["answer", "advice"],
            "positions_th": ["คำตอบ", " คำแนะนำ "],
            "positions_en": ["The answer", "Advice"],
            "name_en": "  Two cards  ",
        }
        saved = ok(call(stack, admin, "PUT", "/spreads/single", json={**two, **WHY}))
        assert (saved["card_count"], saved["positions_th"], saved["name_en"]) == (
            2,
            ["คำตอบ", "คำแนะนำ"],
            "Two cards",
        )
    finally:
        sql.execute(
            "update public.spreads set card_count = 1, position_keys = %s, positions_th = %s,"
            " positions_en = %s, name_en = %s where id = 'single'",
            (
                single["position_keys"],
                single["positions_th"],
                single["positions_en"],
                single["name_en"],
            ),
        )


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("love", {"price": 101}, "validation_failed"),
    ("love", {"price": -1}, "validation_failed"),
    ("love", {"card_count": 11}, "validation_failed"),
    ("love", {"name_th": ""}, "validation_failed"),
    ("love", {"active": "yes"}, "validation_failed"),
    ("love", {"colour": "red"}, "validation_failed"),
    ("love", {"name_en": "   "}, "invalid_spread"),
    ("love", {}, "invalid_spread"),
    ("love", {"card_count": 3}, "invalid_spread"),  # positions still 5 long
    ("love", {"positions_th": ["a", "b", "c", "d"]}, "invalid_spread"),
    ("love", {"positions_en": ["A", "B", "C", "D", " "]}, "invalid_spread"),
    ("love", {"position_keys": ["you", "you", "bond", "obstacle", "direction"]}, "invalid_spread"),
    ("love", {"position_keys": ["You", "them", "bond", "obstacle", "direction"]}, "invalid_spread"),
    ("daily", {"price": 1}, "invalid_spread"),
    ("follow_up", {"active": True}, "invalid_spread"),
]


@pytest.mark.parametrize(("spread_id", "fields", "code"), INVALID)
def test_invalid_fields_are_422_and_change_nothing(
    stack: LocalStack, sql: Any, spread_id: str, fields: dict[str, Any], code: str
) -> None:
    admin = new_admin(stack)
    before = spread(sql, spread_id)
    audits = len(audit_rows(sql, action="update_spread"))
    response = call(stack, admin, "PUT", f"/spreads/{spread_id}", json={**fields, **WHY})
    assert refusal(response) == (422, code), response.text
    assert spread(sql, spread_id) == before
    assert len(audit_rows(sql, action="update_spread")) == audits


def test_the_sql_function_validates_on_its_own(stack: LocalStack, sql: Any) -> None:
    admin = new_admin(stack)
    before = spread(sql, "love")
    for fields in ({"price": 101}, {"price": "2"}, {"card_count": 0}, {"active": "yes"}, {"x": 1}):
        direct = httpx.post(
            f"{stack.url}/rest/v1/rpc/admin_save_spread",
            headers={**bearer(admin), "apikey": stack.secrets["anon_key"]},
            json={"p_id": "love", "p_fields": fields, "p_reason": "typo"},
        )
        assert rpc_refusal(direct) == (422, "invalid_spread"), fields
    assert spread(sql, "love") == before
    missing = call(stack, admin, "PUT", "/spreads/tarot_of_doom", json={"price": 1, **WHY})
    assert refusal(missing) == (404, "spread_not_found")


def test_a_non_admin_gets_403_and_changes_nothing(stack: LocalStack, sql: Any) -> None:
    user = login(stack)
    before = spread(sql, "love")
    status, problem, _ = invoke(
        "admin",
        "PUT",
        "/spreads/love",
        headers={**bearer(user), "content-type": "application/json"},
        body=b'{"price": 0, "reason": "free for me"}',
    )
    assert (status, problem["code"]) == (403, "not_admin")
    gateway = call(stack, user, "PUT", "/spreads/love", json={"price": 0, "reason": "free for me"})
    assert refusal(gateway) == (403, "not_admin")
    direct = httpx.post(
        f"{stack.url}/rest/v1/rpc/admin_save_spread",
        headers={**bearer(user), "apikey": stack.secrets["anon_key"]},
        json={"p_id": "love", "p_fields": {"price": 0}, "p_reason": "free for me"},
    )
    assert rpc_refusal(direct) == (403, "not_admin")
    assert spread(sql, "love") == before
