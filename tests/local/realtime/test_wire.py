"""The exact frames the stand-in exchanges, vsn 1.0.0 (the Python client) and 2.0.0 (supabase-js), read off a plain
WebSocket: the shapes other parts of the project rely on. Compare RealtimeWeb.Socket.V2Serializer and Phoenix's
V1 JSONSerializer in supabase/realtime."""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from mimi_local.stack import LocalStack
from tests.local.realtime.support import WAIT_S, app_token, new_user, send

Own = Callable[[str], str]
PRIVATE = {
    "broadcast": {"ack": True, "self": False},
    "presence": {"enabled": False},
    "private": True,
}
JOINED = {"status": "ok", "response": {"postgres_changes": []}}
OK: dict[str, Any] = {"status": "ok", "response": {}}


class Wire:
    """A raw socket speaking one vsn; frames are sent and read as plain JSON (or bytes for binary frames)."""

    def __init__(self, ws: ClientConnection, vsn: str) -> None:
        self.ws, self.vsn = ws, vsn

    async def send(
        self,
        topic: str,
        event: str,
        payload: Any,
        ref: str | None = None,
        join_ref: str | None = None,
    ) -> None:
        if self.vsn == "1.0.0":
            frame = {
                "topic": topic,
                "event": event,
                "payload": payload,
                "ref": ref,
                "join_ref": join_ref,
            }
            await self.ws.send(json.dumps(frame))
        else:
            await self.ws.send(json.dumps([join_ref, ref, topic, event, payload]))

    async def recv(self) -> Any:
        try:
            frame = await asyncio.wait_for(self.ws.recv(), WAIT_S)
        except TimeoutError:
            raise AssertionError(f"nothing received within {WAIT_S} s") from None
        return frame if isinstance(frame, bytes) else json.loads(frame)

    async def join(self, topic: str, token: str, config: dict[str, Any], ref: str = "1") -> Any:
        payload = {"config": {"postgres_changes": []} | config, "access_token": token}
        await self.send(f"realtime:{topic}", "phx_join", payload, ref, ref)
        return await self.recv()

    async def heartbeat(self, ref: str) -> Any:
        await self.send("phoenix", "heartbeat", {}, ref)
        return await self.recv()


@asynccontextmanager
async def wire(stack: LocalStack, vsn: str = "1.0.0") -> AsyncIterator[Wire]:
    url = stack.url.replace("http", "ws", 1)
    key = stack.secrets["anon_key"]
    async with connect(f"{url}/realtime/v1/websocket?apikey={key}&vsn={vsn}") as ws:
        yield Wire(ws, vsn)


def user_broadcast_push(
    topic: str, event: str, payload: dict[str, Any], ref: str, join_ref: str
) -> bytes:
    """What supabase-js (vsn 2.0.0) sends for channel.send({type: 'broadcast', ...}): kind 3, JSON encoding."""
    parts = [join_ref.encode(), ref.encode(), topic.encode(), event.encode(), b""]
    header = struct.pack("7B", 3, *(len(p) for p in parts), 1)
    return header + b"".join(parts) + json.dumps(payload).encode()


def read_user_broadcast(frame: bytes) -> dict[str, Any]:
    """Decode kind 4 as supabase-js's serializer does."""
    kind, topic_size, event_size, meta_size, encoding = frame[:5]
    topic = frame[5 : 5 + topic_size].decode()
    event = frame[5 + topic_size : 5 + topic_size + event_size].decode()
    start = 5 + topic_size + event_size
    meta = frame[start : start + meta_size].decode()
    body = frame[start + meta_size :]
    return {
        "kind": kind,
        "topic": topic,
        "event": event,
        "meta": json.loads(meta) if meta else None,
        "encoding": encoding,
        "payload": json.loads(body),
    }


def test_heartbeats_are_answered_on_the_phoenix_topic(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with wire(stack, "1.0.0") as v1, wire(stack, "2.0.0") as v2:
            assert await v1.heartbeat("hb-1") == {
                "topic": "phoenix",
                "event": "phx_reply",
                "payload": OK,
                "ref": "hb-1",
            }
            assert await v2.heartbeat("7") == [None, "7", "phoenix", "phx_reply", OK]

    asyncio.run(scenario())


def test_v1_frames_of_a_private_subscription(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)
    full = f"realtime:{topic}"

    async def scenario() -> None:
        async with wire(stack, "1.0.0") as v1:
            joined = await v1.join(topic, app_token(user), PRIVATE)
            assert joined == {"topic": full, "event": "phx_reply", "payload": JOINED, "ref": "1"}
            send(stack, topic, {"attempt": 1, "text": "ไพ่"})
            delivered = await v1.recv()
            row_id = delivered["payload"]["meta"]["id"]
            assert delivered == {
                "topic": full,
                "event": "broadcast",
                "payload": {
                    "event": "draft",
                    "payload": {"attempt": 1, "text": "ไพ่", "id": row_id},
                    "type": "broadcast",
                    "meta": {"id": row_id},
                },
                "ref": None,
            }
            await v1.send(full, "phx_leave", {}, "2", "1")
            assert await v1.recv() == {
                "topic": full,
                "event": "phx_reply",
                "payload": OK,
                "ref": "2",
            }
            assert await v1.recv() == {
                "topic": full,
                "event": "phx_close",
                "payload": {},
                "ref": "1",
            }

    asyncio.run(scenario())


def test_v2_frames_of_a_private_subscription(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)
    full = f"realtime:{topic}"

    async def scenario() -> None:
        async with wire(stack, "2.0.0") as v2:
            assert await v2.join(topic, app_token(user), PRIVATE) == [
                "1",
                "1",
                full,
                "phx_reply",
                JOINED,
            ]
            send(stack, topic, {"attempt": 2, "text": "ไพ่"})
            delivered = read_user_broadcast(await v2.recv())
            row_id = delivered["meta"]["id"]
            assert delivered == {
                "kind": 4,
                "topic": full,
                "event": "draft",
                "meta": {"id": row_id},
                "encoding": 1,
                "payload": {"attempt": 2, "text": "ไพ่", "id": row_id},
            }
            await v2.send(full, "phx_leave", {}, "2", "1")
            assert await v2.recv() == ["1", "2", full, "phx_reply", OK]
            assert await v2.recv() == ["1", "1", full, "phx_close", {}]

    asyncio.run(scenario())


def test_refusals_are_error_replies_with_a_reason(stack: LocalStack, probe: Own) -> None:
    topic = probe(new_user())
    full = f"realtime:{topic}"
    reason = f"Unauthorized: You do not have permissions to read from this Channel topic: {topic}"

    async def scenario() -> None:
        async with wire(stack, "2.0.0") as v2:
            refused = await v2.join(topic, app_token(new_user()), PRIVATE)
            assert refused == [
                "1",
                "1",
                full,
                "phx_reply",
                {"status": "error", "response": {"reason": reason}},
            ]
            await v2.send(
                full, "broadcast", {"type": "broadcast", "event": "x", "payload": {}}, "2", "1"
            )
            unmatched = {"status": "error", "response": {"reason": "unmatched topic"}}
            assert await v2.recv() == [None, "2", full, "phx_reply", unmatched]

    asyncio.run(scenario())


def test_a_private_client_broadcast_without_the_insert_policy_is_dropped_without_an_ack(
    stack: LocalStack, probe: Own
) -> None:
    user = new_user()
    topic = probe(user)
    full = f"realtime:{topic}"

    async def scenario() -> None:
        async with wire(stack) as sender, wire(stack) as peer:
            await sender.join(topic, app_token(user), PRIVATE)
            await peer.join(topic, app_token(user), PRIVATE)
            message = {"type": "broadcast", "event": "cursor", "payload": {"x": 1}}
            await sender.send(full, "broadcast", message, "2", "1")
            assert (await sender.heartbeat("hb"))[
                "ref"
            ] == "hb"  # answered in order: no ack came before it
            send(stack, topic, {"n": "barrier"})
            assert (await peer.recv())["payload"]["event"] == "draft"

    asyncio.run(scenario())


def test_a_private_client_broadcast_with_the_insert_policy_is_acked_and_relayed(
    stack: LocalStack, probe: Own, insert_policy: None
) -> None:
    user = new_user()
    topic = probe(user)
    full = f"realtime:{topic}"

    async def scenario() -> None:
        async with wire(stack) as sender, wire(stack, "2.0.0") as peer:
            await sender.join(topic, app_token(user), PRIVATE)
            await peer.join(topic, app_token(user), PRIVATE)
            message = {"type": "broadcast", "event": "cursor", "payload": {"x": 1}}
            await sender.send(full, "broadcast", message, "2", "1")
            assert await sender.recv() == {
                "topic": full,
                "event": "phx_reply",
                "payload": OK,
                "ref": "2",
            }
            assert await peer.recv() == [None, None, full, "broadcast", message]

    asyncio.run(scenario())


def test_a_binary_broadcast_on_a_public_topic_reaches_both_versions_and_self(
    stack: LocalStack,
) -> None:
    topic = f"lobby:{new_user()}"
    full = f"realtime:{topic}"
    public = {"broadcast": {"ack": False, "self": True}, "private": False}

    async def scenario() -> None:
        async with wire(stack, "2.0.0") as sender, wire(stack, "1.0.0") as v1:
            await sender.join(topic, stack.secrets["anon_key"], public)
            await v1.join(topic, stack.secrets["anon_key"], public)
            await sender.ws.send(user_broadcast_push(full, "wave", {"hi": "สวัสดี"}, "2", "1"))
            echoed = read_user_broadcast(await sender.recv())
            assert echoed == {
                "kind": 4,
                "topic": full,
                "event": "wave",
                "meta": None,
                "encoding": 1,
                "payload": {"hi": "สวัสดี"},
            }
            relayed = await v1.recv()
            assert relayed["payload"] == {
                "event": "wave",
                "payload": {"hi": "สวัสดี"},
                "type": "broadcast",
            }

    asyncio.run(scenario())


def test_a_channel_the_server_ended_receives_nothing_more(stack: LocalStack, probe: Own) -> None:
    owner = new_user()
    topic, barrier = probe(owner), probe(owner)
    full = f"realtime:{topic}"

    async def scenario() -> None:
        async with wire(stack) as v1:
            await v1.join(topic, app_token(owner), PRIVATE)
            await v1.join(barrier, app_token(owner), PRIVATE, ref="5")
            await v1.send(full, "access_token", {"access_token": app_token(new_user())}, "2", "1")
            message = f"You do not have permissions to read from this Channel topic: {topic}"
            system = {
                "channel": topic,
                "extension": "system",
                "message": message,
                "status": "error",
            }
            assert await v1.recv() == {
                "topic": full,
                "event": "system",
                "payload": system,
                "ref": None,
            }
            assert await v1.recv() == {
                "topic": full,
                "event": "phx_close",
                "payload": {},
                "ref": "1",
            }
            send(stack, topic, {"n": "ended"})
            send(stack, barrier, {"n": "barrier"})
            assert (await v1.recv())["topic"] == f"realtime:{barrier}"

    asyncio.run(scenario())


def test_presence_replay_and_postgres_changes_are_not_served(stack: LocalStack, probe: Own) -> None:
    user = new_user()
    topic = probe(user)
    full = f"realtime:{topic}"
    not_served = "is not served by the local Realtime stand-in"

    async def scenario() -> None:
        async with wire(stack) as v1:
            replay = PRIVATE | {"broadcast": {"replay": {"since": 0}}}
            refused = await v1.join(topic, app_token(user), replay)
            assert refused["payload"]["response"]["reason"].endswith(
                f"broadcast replay {not_served}"
            )
            changes = PRIVATE | {"postgres_changes": [{"event": "*", "schema": "public"}]}
            refused = await v1.join(topic, app_token(user), changes, ref="2")
            assert refused["payload"]["response"]["reason"].endswith(
                f"postgres_changes {not_served}"
            )
            await v1.join(topic, app_token(user), PRIVATE, ref="3")
            await v1.send(full, "presence", {"event": "track", "payload": {}}, "4", "3")
            error: dict[str, Any] = {"status": "error", "response": {}}
            assert await v1.recv() == {
                "topic": full,
                "event": "phx_reply",
                "payload": error,
                "ref": "4",
            }

    asyncio.run(scenario())
