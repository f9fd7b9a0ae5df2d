"""Broadcasts from the database reach the users the RLS policies on realtime.messages allow, after commit, on their
topic only; driven through the running stack with the official `realtime` client, unmodified.

"Nothing arrives" is checked deterministically: the stand-in delivers one row at a time in commit order and each
socket's messages in order, so once a later broadcast has arrived on the same socket, an earlier one never will.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from realtime import RealtimeSubscribeStates

from mimi_local.stack import LocalStack
from tests.local.realtime.support import (
    app_token,
    new_user,
    send,
    subscribe,
)

Own = Callable[[str], str]
SUBSCRIBED, ERROR = RealtimeSubscribeStates.SUBSCRIBED, RealtimeSubscribeStates.CHANNEL_ERROR


def unauthorized(topic: str) -> str:
    reason = f"Unauthorized: You do not have permissions to read from this Channel topic: {topic}"
    return json.dumps({"reason": reason})


def test_an_owner_joins_the_private_topic_and_receives_what_sql_sent_after_commit(
    stack: LocalStack, probe: Own
) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(user))
        assert listener.states == [(SUBSCRIBED, None)]
        send(stack, topic, {"attempt": 1, "header": "ไพ่ของคุณ"})
        got = await listener.next_broadcast()
        assert got["event"] == "draft"
        assert got["payload"]["attempt"] == 1 and got["payload"]["header"] == "ไพ่ของคุณ"
        assert (
            got["meta"]["id"] == got["payload"]["id"]
        )  # realtime.send adds the row id to the payload
        await listener.close()

    asyncio.run(scenario())


def test_a_rolled_back_send_is_never_delivered(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, topic, app_token(user))
        send(stack, topic, {"n": "rolled back"}, commit=False)
        send(stack, topic, {"n": "committed"})
        assert (await listener.next_broadcast())["payload"]["n"] == "committed"
        assert listener.broadcasts.empty()
        await listener.close()

    asyncio.run(scenario())


def test_broadcasts_of_another_topic_are_not_received(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    mine, other = probe(user), probe(user)

    async def scenario() -> None:
        listener = await subscribe(stack, mine, app_token(user))
        send(stack, other, {"n": "other topic"})
        send(stack, mine, {"n": "mine"})
        assert (await listener.next_broadcast())["payload"]["n"] == "mine"
        assert listener.broadcasts.empty()
        await listener.close()

    asyncio.run(scenario())


def test_a_user_the_policy_does_not_allow_cannot_join_nor_receive(
    stack: LocalStack, probe: Own
) -> None:
    owner, intruder = new_user(), new_user()
    theirs, own = probe(owner), probe(intruder)

    async def scenario() -> None:
        refused = await subscribe(stack, theirs, app_token(intruder))
        assert refused.states == [(ERROR, unauthorized(theirs))]
        # same socket: a topic the intruder owns, the barrier for anything sent to the refused one
        allowed = await subscribe(stack, own, None, client=refused.client)
        assert allowed.state == SUBSCRIBED
        send(stack, theirs, {"n": "not yours"})
        send(stack, own, {"n": "yours"})
        assert (await allowed.next_broadcast())["payload"]["n"] == "yours"
        assert refused.broadcasts.empty()
        await refused.close()

    asyncio.run(scenario())


def test_the_anon_key_alone_cannot_join_a_private_topic(stack: LocalStack, probe: Own) -> None:
    topic = probe(new_user())

    async def scenario() -> None:
        refused = await subscribe(stack, topic, None)
        assert refused.states == [(ERROR, unauthorized(topic))]
        await refused.close()

    asyncio.run(scenario())


def test_a_public_join_needs_no_policy_and_gets_only_public_broadcasts(
    stack: LocalStack, probe: Own
) -> None:
    owner = new_user()
    topic = probe(owner)

    async def scenario() -> None:
        public = await subscribe(stack, topic, app_token(new_user()), private=False)
        assert public.state == SUBSCRIBED
        send(stack, topic, {"n": "private"}, private=True)
        send(stack, topic, {"n": "public"}, private=False)
        assert (await public.next_broadcast())["payload"]["n"] == "public"
        assert public.broadcasts.empty()
        await public.close()

    asyncio.run(scenario())


def test_private_broadcasts_reach_only_private_joins(stack: LocalStack, probe: Own) -> None:
    owner = new_user()
    topic = probe(owner)

    async def scenario() -> None:
        private = await subscribe(stack, topic, app_token(owner))
        send(stack, topic, {"n": "public"}, private=False)
        send(stack, topic, {"n": "private"}, private=True)
        assert (await private.next_broadcast())["payload"]["n"] == "private"
        assert private.broadcasts.empty()
        await private.close()

    asyncio.run(scenario())
