"""A reading submitted through the API, heard as it is written with the official `realtime` client (as the LIFF app
will with supabase-js) through the stack's Realtime stand-in: the owner receives its drafts then its completion;
another user, and an expired token, can neither join nor receive; a refusal broadcasts no reading text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from realtime import RealtimeSubscribeStates

from mimi_local.openai import REJECT_MARKER
from mimi_local.openai.controls import Pace
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    queued_reading,
    readings_url,
    submitted,
    unique_question,
)
from tests.local.realtime.support import Listener, app_token, send, subscribe

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
SUBSCRIBED, ERROR = RealtimeSubscribeStates.SUBSCRIBED, RealtimeSubscribeStates.CHANNEL_ERROR
ENDS = {"completed", "rejected", "failed"}
TEXTS = {"header", "cards", "reading", "suggestions", "next_questions", "final", "end", "notice"}


async def until_end(listener: Listener) -> list[dict[str, Any]]:
    """Every broadcast up to and including the reading's end."""
    got = [await listener.next_broadcast()]
    while got[-1]["event"] not in ENDS:
        got.append(await listener.next_broadcast())
    return got


def unauthorized(topic: str) -> str:
    reason = f"Unauthorized: You do not have permissions to read from this Channel topic: {topic}"
    return json.dumps({"reason": reason})


def test_the_owner_hears_the_drafts_then_the_completion_and_nobody_else_hears_anything(
    stack: LocalStack,
) -> None:
    stack.state["openai"].pace = Pace(1.0, 150.0)  # the owner joins before the first words
    owner, intruder = login(stack), login(stack)
    rid = submitted(stack, owner)
    topic = f"reading:{rid}"
    barrier = f"reading:{queued_reading(stack, intruder)}"  # the intruder's own reading's topic

    async def scenario() -> None:
        heard = await subscribe(stack, topic, owner["access_token"])
        refused = await subscribe(stack, topic, intruder["access_token"])
        expired = await subscribe(stack, topic, app_token(owner["user"]["id"], expires_in=-10))
        allowed = await subscribe(stack, barrier, None, client=refused.client)
        assert (heard.state, allowed.state) == (SUBSCRIBED, SUBSCRIBED)
        assert refused.states == [(ERROR, unauthorized(topic))]
        assert expired.state == ERROR
        got = await until_end(heard)
        drafts, end = got[:-1], got[-1]
        assert drafts and {m["event"] for m in drafts} == {"draft"}
        assert any(m["payload"]["draft"].get("header") for m in drafts)
        assert {m["payload"]["draft"]["attempt"] for m in drafts} == {1}
        assert [len(m["payload"]["draft"].get("reading", "")) for m in drafts] == sorted(
            len(m["payload"]["draft"].get("reading", "")) for m in drafts
        )
        shown = httpx.get(readings_url(stack, f"/{rid}"), headers=bearer(owner)).json()
        assert end["event"] == "completed"
        assert {k: v for k, v in end["payload"].items() if k != "id"} == {
            "reading_id": rid,
            "status": "completed",
            "attempt": 1,
            "result": shown["result"],
        }
        send(stack, barrier, {"n": "after the reading ended"})  # same socket as the refused join
        assert (await allowed.next_broadcast())["payload"]["n"] == "after the reading ended"
        assert refused.broadcasts.empty() and expired.broadcasts.empty()
        for listener in (heard, refused, expired):
            await listener.close()

    asyncio.run(scenario())


def test_a_refusal_is_heard_as_the_rejection_alone_with_no_reading_text(stack: LocalStack) -> None:
    stack.state["openai"].pace = Pace(1.0, 150.0)
    owner = login(stack)
    rid = submitted(stack, owner, unique_question(f"{REJECT_MARKER} ช่วยบอกหน่อยว่าเอไอทำงานยังไง"))

    async def scenario() -> None:
        heard = await subscribe(stack, f"reading:{rid}", owner["access_token"])
        got = await until_end(heard)
        for message in got[:-1]:
            draft = message["payload"]["draft"]
            assert draft.get("accepted") is not True
            assert not TEXTS & set(draft), draft
        end = got[-1]
        assert end["event"] == "rejected"
        assert set(end["payload"]) == {"id", "reading_id", "status", "rejection"}
        assert end["payload"]["rejection"]["reason"]
        await heard.close()

    asyncio.run(scenario())
