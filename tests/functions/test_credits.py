"""credits function: exchange, daily check-in, referral summary, as a user through the dev server."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from mimi_local.lambda_adapter import LambdaContext, load_handler
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login, refusal
from tests.functions.test_events import load_event


def url(stack: LocalStack, path: str) -> str:
    return f"{stack.url}/functions/credits{path}"


def grant(sql: Any, uid: str, key: str, changes: str) -> None:
    sql.execute("select public.grant_credit(%s, %s, 'test', %s::jsonb)", (uid, key, changes))


def test_exchange_250_coins_gives_2_stars_and_leaves_50(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    grant(sql, session["user"]["id"], f"x:{session['user']['id']}", '{"coin": 250}')
    headers = {**bearer(session), "Idempotency-Key": "tap-000001"}
    first = httpx.post(url(stack, "/exchange"), headers=headers, json={"stars": 2})
    again = httpx.post(url(stack, "/exchange"), headers=headers, json={"stars": 2})
    assert first.status_code == 200
    assert again.status_code == 200
    assert first.json()["wallet"]["coins"] == 50
    assert first.json()["wallet"]["stars"] == 2
    assert again.json()["wallet"]["stars"] == 2  # the same key exchanged once


def exchange_event(session: dict[str, Any], key: str, stars: int) -> dict[str, Any]:
    """The exchange fixture event with this user's token, an Idempotency-Key and a body."""
    event = load_event("credits/post_exchange", {"access_token": session["access_token"]})
    event["headers"]["idempotency-key"] = key
    event["body"] = json.dumps({"stars": stars})
    return event


def body_of(result: dict[str, Any]) -> Any:
    raw = base64.b64decode(result["body"]) if result.get("isBase64Encoded") else result["body"]
    return json.loads(raw)


def test_exchange_key_reused_with_other_stars_is_422_through_the_handler(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    grant(sql, session["user"]["id"], f"x:{session['user']['id']}", '{"coin": 500}')
    handler = load_handler("credits")
    first = handler(exchange_event(session, "tap-reuse-1", 1), LambdaContext("credits", "r", 1e12))
    reused = handler(exchange_event(session, "tap-reuse-1", 3), LambdaContext("credits", "r", 1e12))
    replay = handler(exchange_event(session, "tap-reuse-1", 1), LambdaContext("credits", "r", 1e12))
    assert (first["statusCode"], reused["statusCode"], replay["statusCode"]) == (200, 422, 200)
    assert body_of(reused)["code"] == "idempotency_key_reused"
    assert body_of(replay) == body_of(first)
    assert sql.execute(
        "select coins, stars from public.wallets where user_id = %s", (session["user"]["id"],)
    ).fetchone() == {"coins": 400, "stars": 1}


def test_exchange_is_403_while_the_wallet_is_frozen(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    grant(sql, session["user"]["id"], f"x:{session['user']['id']}", '{"coin": 500}')
    sql.execute(
        "update public.wallets set frozen = true where user_id = %s", (session["user"]["id"],)
    )
    response = httpx.post(url(stack, "/exchange"), headers=bearer(session), json={"stars": 1})
    assert refusal(response) == (403, "account_frozen")
    sql.execute(
        "update public.wallets set frozen = false where user_id = %s", (session["user"]["id"],)
    )


def test_exchange_without_coins_is_409_and_nothing_changes(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    response = httpx.post(url(stack, "/exchange"), headers=bearer(session), json={"stars": 1})
    assert refusal(response) == (409, "insufficient_coins")
    rows = sql.execute(
        "select count(*) as n from public.ledger where user_id = %s", (session["user"]["id"],)
    ).fetchone()
    assert rows["n"] == 1  # only the welcome bonus


def test_exchange_validates_its_input(stack: LocalStack) -> None:
    session = login(stack)
    for body in ({"stars": 0}, {"stars": "2"}, {"stars": 1.5}, {}, {"stars": 1, "coins": 5}):
        response = httpx.post(url(stack, "/exchange"), headers=bearer(session), json=body)
        assert response.status_code == 422, body
    malformed = httpx.post(
        url(stack, "/exchange"),
        headers={**bearer(session), "content-type": "application/json"},
        content=b"{not json",
    )
    assert refusal(malformed) == (400, "malformed_json")


def test_daily_check_in_once_a_day(stack: LocalStack) -> None:
    session = login(stack)
    first = httpx.post(url(stack, "/daily"), headers=bearer(session))
    second = httpx.post(url(stack, "/daily"), headers=bearer(session))
    assert first.status_code == 200
    assert first.json()["streak"] == 1
    assert first.json()["reward"] == {"coin": 5, "exp": 10}
    assert refusal(second) == (409, "already_checked_in")


def test_referral_summary_and_share_link(stack: LocalStack) -> None:
    inviter = login(stack, name="Inviter")
    login(stack, name="Invitee", ref=inviter["user"]["referral_code"])
    body = httpx.get(url(stack, "/referral"), headers=bearer(inviter)).json()
    assert body["code"] == inviter["user"]["referral_code"]
    assert body["share_link"].endswith(f"?ref={body['code']}")
    assert body["invited_count"] == 1
    assert body["coins_earned"] == 0


def test_a_user_token_cannot_call_server_only_functions_through_the_gateway(
    stack: LocalStack,
) -> None:
    session = login(stack)
    headers = {**bearer(session), "apikey": stack.secrets["anon_key"]}
    response = httpx.post(
        f"{stack.url}/rest/v1/rpc/grant_credit",
        headers=headers,
        json={
            "p_user_id": session["user"]["id"],
            "p_key": "hack:1",
            "p_reason": "hack",
            "p_changes": {"star": 99},
        },
    )
    assert response.status_code in (401, 403, 404)
    wallet = httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session)).json()["wallet"]
    assert wallet["stars"] == 0
