"""Tokens on the Realtime stand-in, as Supabase treats them: the apikey at connect; the access token at join, at
refresh (the `access_token` message) and at its expiry, with Realtime's wording; official client, unmodified."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import jwt
import pytest
from realtime import RealtimeSubscribeStates
from websockets.exceptions import InvalidStatus

from mimi_local.stack import LocalStack
from tests.local.realtime.support import (
    app_token,
    client_for,
    forged_token,
    new_user,
    send,
    subscribe,
    token_for_audience,
)

Own = Callable[[str], str]
SUBSCRIBED = RealtimeSubscribeStates.SUBSCRIBED
ERROR, CLOSED = RealtimeSubscribeStates.CHANNEL_ERROR, RealtimeSubscribeStates.CLOSED


def join_error(reason: str) -> str:
    return json.dumps({"reason": reason})


def system_error(topic: str, message: str) -> dict[str, str]:
    return {"channel": topic, "extension": "system", "message": message, "status": "error"}


@pytest.mark.parametrize("apikey", ["", "not-a-project-key"])
def test_a_missing_or_wrong_apikey_is_refused_at_connect(stack: LocalStack, apikey: str) -> None:
    async def scenario() -> None:
        with pytest.raises(InvalidStatus) as refused:
            await client_for(stack, apikey).connect()
        response = refused.value.response
        assert response.status_code == 401
        expected = "No API key found in request" if not apikey else "Invalid API key"
        assert json.loads(response.body)["message"] == expected

    asyncio.run(scenario())


def test_an_expired_token_cannot_join(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(user, expires_in=-10))
        [(state, error)] = listener.states
        assert state == ERROR
        assert error is not None
        assert json.loads(error)["reason"].startswith("InvalidJWTToken: Token has expired ")
        await listener.close()

    asyncio.run(scenario())


def test_a_token_with_a_bad_signature_cannot_join(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, forged_token(stack, user))
        reason = "JwtSignatureError: Failed to validate JWT signature"
        assert listener.states == [(ERROR, join_error(reason))]
        await listener.close()

    asyncio.run(scenario())


def test_a_token_for_another_audience_cannot_join(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, token_for_audience(stack, user, "someone-else"))
        assert listener.states == [(ERROR, join_error("Unknown Error on Channel"))]
        await listener.close()

    asyncio.run(scenario())


def test_a_refreshed_token_keeps_the_subscription_past_the_first_tokens_expiry(
    stack: LocalStack, probe: Own
) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        first = app_token(user, expires_in=2)
        listener = await subscribe(stack, topic, first)
        await listener.client.set_auth(app_token(user))
        # the clock, not a race: once the first token's exp has passed, its expiry would have ended the channel
        await asyncio.sleep(
            jwt.decode(first, options={"verify_signature": False})["exp"] + 1.5 - time.time()
        )
        send(stack, topic, {"n": "after refresh"})
        assert (await listener.next_broadcast())["payload"]["n"] == "after refresh"
        assert listener.states == [(SUBSCRIBED, None)]
        await listener.close()

    asyncio.run(scenario())


def test_a_refreshed_token_the_policy_refuses_ends_the_subscription(
    stack: LocalStack, probe: Own
) -> None:
    owner = new_user()
    topic = probe(owner)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(owner))
        await listener.client.set_auth(app_token(new_user()))
        assert await listener.reached(CLOSED), listener.states
        message = f"You do not have permissions to read from this Channel topic: {topic}"
        assert [state for state, _ in listener.states] == [SUBSCRIBED, ERROR, CLOSED]
        assert json.loads(listener.states[1][1] or "{}") == system_error(topic, message)
        await listener.close()

    asyncio.run(scenario())


def test_an_expired_refresh_ends_the_subscription(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(user))
        await listener.client.set_auth(app_token(user, expires_in=-5))
        assert await listener.reached(CLOSED), listener.states
        error = json.loads(listener.states[1][1] or "{}")
        assert error["message"].startswith("Token has expired ")
        await listener.close()

    asyncio.run(scenario())


def test_a_token_that_expires_while_joined_ends_the_subscription(
    stack: LocalStack, probe: Own
) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(user, expires_in=3))
        assert listener.states == [(SUBSCRIBED, None)]
        assert await listener.reached(CLOSED), (
            listener.states
        )  # at exp, as Realtime's confirm-token timer
        error = json.loads(listener.states[1][1] or "{}")
        assert error["message"].startswith("Token has expired ")
        await listener.close()

    asyncio.run(scenario())
