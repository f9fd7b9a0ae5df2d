"""The Phoenix channel wire formats Realtime speaks: vsn 1.0.0 (JSON objects) and 2.0.0 (JSON arrays + binary).

As in Realtime's serializers (Phoenix's V1 JSONSerializer and RealtimeWeb.Socket.V2Serializer): a broadcast whose
user payload travels as bytes (a database broadcast, a 2.0.0 client's binary push) is a binary "user broadcast"
frame for 2.0.0 and a `broadcast` event with the payload inlined for 1.0.0; everything else is JSON text.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, Protocol

USER_BROADCAST_PUSH = 3  # client -> server, 2.0.0 binary
USER_BROADCAST = 4  # server -> client, 2.0.0 binary

Frame = str | bytes


class MalformedMessage(ValueError):
    """A frame the serializer cannot read (Realtime logs MalformedWebSocketMessage and answers nothing)."""


@dataclass(frozen=True)
class UserBroadcast:
    """A broadcast carried as the sender's bytes: JSON text, or raw binary a 1.0.0 client cannot receive."""

    event: str
    payload: bytes
    is_json: bool = True
    meta: dict[str, Any] | None = None

    def as_map(self) -> dict[str, Any] | None:
        """The `broadcast` payload a 1.0.0 client receives; None when it has no JSON form (never sent then)."""
        if not self.is_json:
            return None
        try:
            payload = json.loads(self.payload)
        except ValueError:
            return None
        body = {"event": self.event, "payload": payload, "type": "broadcast"}
        return body | ({"meta": self.meta} if self.meta else {})


@dataclass(frozen=True)
class Message:
    """One Phoenix message; the payload is a JSON object, or a UserBroadcast."""

    topic: str
    event: str
    payload: Any
    ref: str | None = None
    join_ref: str | None = None


class Serializer(Protocol):
    def decode(self, frame: Frame) -> Message: ...

    def encode(self, message: Message) -> Frame | None: ...


def _message(topic: Any, event: Any, payload: Any, ref: Any, join_ref: Any) -> Message:
    if not isinstance(topic, str) or not isinstance(event, str):
        raise MalformedMessage("topic and event must be strings")
    return Message(topic, event, payload, _ref(ref), _ref(join_ref))


def _ref(value: Any) -> str | None:
    return None if value is None else str(value)


class V1Serializer:
    """vsn 1.0.0: every frame is a JSON object {topic, event, payload, ref}; replies and pushes alike."""

    def decode(self, frame: Frame) -> Message:
        try:
            data = json.loads(frame)
        except ValueError as exc:
            raise MalformedMessage(str(exc)) from exc
        if not isinstance(data, dict):
            raise MalformedMessage("expected a JSON object")
        return _message(
            data.get("topic"),
            data.get("event"),
            data.get("payload"),
            data.get("ref"),
            data.get("join_ref"),
        )

    def encode(self, message: Message) -> Frame | None:
        payload = message.payload
        if isinstance(payload, UserBroadcast):
            payload = payload.as_map()
            if payload is None:
                return None
        body = {"topic": message.topic, "event": message.event, "payload": payload}
        return _json(body | {"ref": message.ref})


class V2Serializer:
    """vsn 2.0.0: JSON arrays [join_ref, ref, topic, event, payload], user broadcasts as binary frames."""

    def decode(self, frame: Frame) -> Message:
        if isinstance(frame, bytes):
            return _decode_user_broadcast_push(frame)
        try:
            data = json.loads(frame)
        except ValueError as exc:
            raise MalformedMessage(str(exc)) from exc
        if not isinstance(data, list) or len(data) < 5:
            raise MalformedMessage("expected V2 array")
        join_ref, ref, topic, event, payload = data[:5]
        return _message(topic, event, payload, ref, join_ref)

    def encode(self, message: Message) -> Frame | None:
        if isinstance(message.payload, UserBroadcast):
            return _encode_user_broadcast(message.topic, message.payload)
        data = [message.join_ref, message.ref, message.topic, message.event, message.payload]
        return _json(data)


def _json(value: Any) -> str:
    """Compact UTF-8 JSON, as Jason writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _encode_user_broadcast(topic: str, broadcast: UserBroadcast) -> bytes:
    """Kind 4: sizes of topic, event and metadata, the encoding (1 JSON, 0 binary), then each part."""
    parts = [
        topic.encode(),
        broadcast.event.encode(),
        _json(broadcast.meta).encode() if broadcast.meta else b"",
    ]
    if any(len(part) > 255 for part in parts):
        raise ValueError("topic, event and metadata must each fit in 255 bytes")
    header = struct.pack("5B", USER_BROADCAST, *(len(p) for p in parts), int(broadcast.is_json))
    return header + b"".join(parts) + broadcast.payload


def _decode_user_broadcast_push(frame: bytes) -> Message:
    """Kind 3: sizes of join_ref, ref, topic, event and metadata, the encoding, each part, then the payload."""
    if len(frame) < 7 or frame[0] != USER_BROADCAST_PUSH:
        raise MalformedMessage("only user broadcast pushes are read as binary frames")
    offset, parts = 7, []
    for size in frame[1:6]:
        parts.append(frame[offset : offset + size])
        offset += size
    if offset > len(frame):
        raise MalformedMessage("binary frame shorter than its header")
    try:
        join_ref, ref, topic, event = (part.decode() for part in parts[:4])
    except ValueError as exc:
        raise MalformedMessage(str(exc)) from exc
    # Realtime reads the metadata (`persist`) but relays none of it: the relayed broadcast carries no meta.
    broadcast = UserBroadcast(event, frame[offset:], is_json=frame[6] != 0)
    return Message(topic, "broadcast", broadcast, ref or None, join_ref or None)


def serializer_for(vsn: str | None) -> Serializer | None:
    """The serializer a client's `vsn` asks for (Phoenix: "~> 1.0.0" and "~> 2.0.0"; none means 1.0.0)."""
    major_minor = (vsn or "1.0.0").split(".")[:2]
    if major_minor == ["1", "0"]:
        return V1Serializer()
    if major_minor == ["2", "0"]:
        return V2Serializer()
    return None
