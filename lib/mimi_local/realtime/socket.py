"""One client's WebSocket, as Phoenix.Socket runs it: heartbeats, joins, routing by topic, one writer.

Messages from the client are handled one at a time, in order; replies and deliveries go out through one queue, so
a client sees them in the order the server produced them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from mimi_local.realtime.channel import TOPIC_PREFIX, Channel
from mimi_local.realtime.join import JoinRefused, parse_join
from mimi_local.realtime.protocol import Frame, MalformedMessage, Message, Serializer

if TYPE_CHECKING:
    from mimi_local.realtime.server import Realtime

log = logging.getLogger(__name__)

PHOENIX_TOPIC = "phoenix"


class Connection:
    """The socket's joined channels by topic, and its outgoing queue."""

    def __init__(
        self,
        server: Realtime,
        ws: WebSocket,
        serializer: Serializer,
        apikey: str,
        x_headers: dict[str, str],
    ) -> None:
        self.server, self.ws, self.serializer = server, ws, serializer
        self.apikey, self.x_headers = apikey, x_headers
        self.channels: dict[str, Channel] = {}
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()

    def push(self, message: Message) -> None:
        self._outbox.put_nowait(message)

    def reply(self, to: Message, status: str, response: dict[str, Any]) -> None:
        """phx_reply to a client message, carrying its ref and join_ref."""
        payload = {"status": status, "response": response}
        self.push(Message(to.topic, "phx_reply", payload, to.ref, to.join_ref))

    def forget(self, channel: Channel) -> None:
        if self.channels.get(channel.topic) is channel:
            del self.channels[channel.topic]

    async def run(self) -> None:
        """Read until the client goes away; then drop every channel."""
        writer = asyncio.create_task(self._write())
        try:
            while True:
                received = await self.ws.receive()
                if received["type"] == "websocket.disconnect":
                    break
                frame: Frame | None = received.get("text") or received.get("bytes")
                if frame is not None:
                    await self._receive(frame)
        except WebSocketDisconnect:
            pass
        finally:
            for channel in list(self.channels.values()):
                channel.detach()
            writer.cancel()
            # a writer that failed (the client went away first) has nothing left to say
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def _write(self) -> None:
        while True:
            frame = self.serializer.encode(await self._outbox.get())
            if isinstance(frame, str):
                await self.ws.send_text(frame)
            elif isinstance(frame, bytes):
                await self.ws.send_bytes(frame)

    async def _receive(self, frame: Frame) -> None:
        try:
            message = self.serializer.decode(frame)
        except MalformedMessage as exc:
            log.info("realtime: malformed message ignored (%s)", exc)
            return
        if message.topic == PHOENIX_TOPIC and message.event == "heartbeat":
            self.push(
                Message(PHOENIX_TOPIC, "phx_reply", {"status": "ok", "response": {}}, message.ref)
            )
        elif message.event == "phx_join":
            await self._join(message)
        else:
            await self._to_channel(message)

    async def _join(self, message: Message) -> None:
        """A join; one already on the topic is closed first, as Phoenix closes a duplicate join."""
        if not message.topic.startswith(TOPIC_PREFIX):
            return self._unmatched(message)
        if (existing := self.channels.get(message.topic)) is not None:
            existing.close()
        channel = Channel(self.server, self, message, parse_join(message.payload, self.apikey))
        try:
            response = await channel.join()
        except JoinRefused as refused:
            return self.reply(message, "error", {"reason": refused.reason})
        self.channels[message.topic] = channel
        self.reply(message, "ok", response)
        return None

    async def _to_channel(self, message: Message) -> None:
        """Route to the joined channel; a stale join_ref is ignored, an unknown topic answered as unmatched."""
        channel = self.channels.get(message.topic)
        if channel is None:
            return self._unmatched(message)
        if message.join_ref is not None and channel.join_ref not in (None, message.join_ref):
            return None
        await channel.handle(message)
        return None

    def _unmatched(self, message: Message) -> None:
        payload = {"status": "error", "response": {"reason": "unmatched topic"}}
        self.push(Message(message.topic, "phx_reply", payload, message.ref))
