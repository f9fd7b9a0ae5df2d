"""profile: own profile and ledger only (RLS through the gateway), validated edits, cursor pagination."""

from __future__ import annotations

from typing import Any

import httpx

from mimi_local.stack import LocalStack
from tests.functions.admin_support import adjust, new_admin, ok
from tests.functions.conftest import bearer, login, refusal


def profile_url(stack: LocalStack, path: str = "/") -> str:
    return f"{stack.url}/functions/profile{path}"


def test_profile_shows_balances_and_level(stack: LocalStack) -> None:
    session = login(stack, name="Nok")
    body = httpx.get(profile_url(stack), headers=bearer(session)).json()
    assert body["display_name"] == "Nok"
    assert body["language"] == "th"
    assert body["wallet"]["free_points"] == 3
    assert body["wallet"]["level"] == 1
    assert body["wallet"]["next_level_exp"] == 100


def test_rls_shows_each_user_only_their_own_rows(stack: LocalStack) -> None:
    a, b = login(stack, name="A"), login(stack, name="B")
    headers = {**bearer(a), "apikey": stack.secrets["anon_key"]}
    users = httpx.get(f"{stack.url}/rest/v1/users?select=id", headers=headers).json()
    ledger = httpx.get(f"{stack.url}/rest/v1/ledger?select=user_id", headers=headers).json()
    assert users == [{"id": a["user"]["id"]}]
    assert {r["user_id"] for r in ledger} == {a["user"]["id"]}
    b_rows = httpx.get(
        f"{stack.url}/rest/v1/ledger?select=id&user_id=eq.{b['user']['id']}", headers=headers
    )
    assert b_rows.json() == []
    anon = httpx.get(
        f"{stack.url}/rest/v1/users?select=id", headers={"apikey": stack.secrets["anon_key"]}
    )
    assert anon.status_code in (200, 401)
    assert anon.status_code == 401 or anon.json() == []


def test_patch_updates_name_and_language(stack: LocalStack) -> None:
    session = login(stack)
    response = httpx.patch(
        profile_url(stack),
        headers=bearer(session),
        json={"display_name": "  มะลิ  ", "language": "en"},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "มะลิ"
    assert response.json()["language"] == "en"


def test_patch_with_bad_input_is_422_and_changes_nothing(stack: LocalStack) -> None:
    session = login(stack, name="Keep")
    bad: list[Any] = [
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 200},
        {"language": "xx"},
        {},
        {"display_name": "a\u0007b"},
        {"language": 5},
        {"display_name": "ok", "role": "admin"},
    ]
    for body in bad:
        response = httpx.patch(profile_url(stack), headers=bearer(session), json=body)
        assert refusal(response) == (422, "validation_failed"), body
        assert response.headers["content-type"].startswith("application/problem+json")
    after = httpx.get(profile_url(stack), headers=bearer(session)).json()
    assert after["display_name"] == "Keep"
    assert after["language"] == "th"


def test_transactions_are_paginated_newest_first(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    for i in range(4):
        sql.execute(
            "select public.grant_credit(%s, %s, 'test', jsonb_build_object('coin', %s::int))",
            (uid, f"page:{uid}:{i}", i + 1),
        )
    first = httpx.get(profile_url(stack, "/transactions?limit=3"), headers=bearer(session)).json()
    assert [r["delta"] for r in first["items"]] == [4, 3, 2]
    second = httpx.get(
        profile_url(stack, f"/transactions?limit=3&cursor={first['next_cursor']}"),
        headers=bearer(session),
    ).json()
    assert [r["delta"] for r in second["items"]] == [1, 3]
    assert second["next_cursor"] is None
    bad = httpx.get(profile_url(stack, "/transactions?cursor=%%%"), headers=bearer(session))
    assert bad.status_code == 422
    assert (
        httpx.get(profile_url(stack, "/transactions?limit=0"), headers=bearer(session)).status_code
        == 422
    )


def test_turning_line_notifications_off_alone_with_nulls_beside_it_answers_the_profile(
    stack: LocalStack,
) -> None:
    session = login(stack)
    body = {"display_name": None, "language": None, "notify_line": False, "reversals": None}
    response = httpx.patch(profile_url(stack), json=body, headers=bearer(session))
    assert response.status_code == 200, response.text
    assert response.json()["notify_line"] is False


def test_after_deletion_a_profile_edit_is_401_account_deleted(stack: LocalStack) -> None:
    session = login(stack)
    assert httpx.delete(profile_url(stack), headers=bearer(session)).status_code == 204
    for body in ({"notify_line": False}, {"language": "en"}):
        response = httpx.patch(profile_url(stack), json=body, headers=bearer(session))
        assert refusal(response) == (401, "account_deleted"), response.text


def test_transactions_show_that_an_admin_adjusted_never_which_admin(stack: LocalStack) -> None:
    session, boss = login(stack), new_admin(stack)
    ok(adjust(stack, boss, session["user"]["id"], currency="coin", delta=5))
    page = httpx.get(profile_url(stack, "/transactions"), headers=bearer(session))
    assert page.status_code == 200, page.text
    assert [(r["reason"], r["delta"], r["ref"]) for r in page.json()["items"]] == [
        ("adjustment", 5, "admin"),
        ("welcome_bonus", 3, None),
    ]
    assert boss["user"]["id"] not in page.text
    direct = httpx.get(
        f"{stack.url}/rest/v1/ledger?select=ref",
        headers={**bearer(session), "apikey": stack.secrets["anon_key"]},
    )  # the stored ref, past the function: refused to a user's token
    assert (direct.status_code, boss["user"]["id"] in direct.text) == (403, False)
