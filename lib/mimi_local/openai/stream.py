"""Streamed chat completions as OpenAI sends them: server-sent `chat.completion.chunk` events, then `[DONE]`.

The first chunk carries the role, then content deltas of a few o200k tokens each, a chunk with the finish reason,
with `stream_options.include_usage` a last chunk with the usage and no choices (every other chunk then has
`"usage": null`), and `data: [DONE]`. Each chunk is sent when the pace says its last token is written. A fault
cuts the connection, turns the content into invalid JSON, or stalls after the first chunk.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mimi.agent import tokens
from mimi_local.openai.controls import Fault, Pace

TOKENS_PER_CHUNK = 3
BROKEN_TAIL = (
    '"]}} <<the model lost its place>>'  # what invalid_json writes instead of the rest of the reply
)


@dataclass(frozen=True)
class Event:
    """One server-sent event and when it is due, in seconds after the request arrived."""

    at: float
    data: str


@dataclass(frozen=True)
class Reply:
    """What one streamed request answers: the request, the content, its prompt tokens, pace and fault."""

    body: dict[str, Any]
    content: str
    prompt_tokens: int
    pace: Pace
    fault: Fault | None = None


def plan(reply: Reply, created: int, completion_id: str) -> tuple[list[Event], bool]:
    """The events of a streamed reply, in order with their due times, and whether the connection is cut after them."""
    pieces = tokens.pieces(reply.content, TOKENS_PER_CHUNK)
    fault, total = reply.fault, sum(n for _, n in pieces)
    cut_at = _fault_point(fault, total)
    if fault is not None and fault.kind == "invalid_json":
        pieces = _until(pieces, cut_at) + tokens.pieces(BROKEN_TAIL, TOKENS_PER_CHUNK)
    shape = _Shape(reply.body, created, completion_id)
    events: list[Event] = []
    written = 0
    for index, (piece, n) in enumerate(pieces):
        if fault is not None and fault.kind == "cut" and written >= cut_at:
            return events, True
        stalled = _stall(fault, index, written)
        written += n
        at = reply.pace.due(written) + stalled
        if index == 0:
            events.append(
                Event(at, shape.chunk({"role": "assistant", "content": "", "refusal": None}))
            )
        events.append(Event(at, shape.chunk({"content": piece})))
    end = events[-1].at if events else reply.pace.due(1)
    events.append(Event(end, shape.chunk({}, finish_reason="stop")))
    if shape.include_usage:
        usage = _usage(reply.prompt_tokens, written)
        events.append(Event(end, shape.chunk(None, usage=usage)))
    return [*events, Event(end, "[DONE]")], False


class _Shape:
    """The fields every chunk of one reply shares, as OpenAI writes them."""

    def __init__(self, body: dict[str, Any], created: int, completion_id: str) -> None:
        options = body.get("stream_options") or {}
        self.include_usage = bool(options.get("include_usage"))
        self.obfuscate = options.get("include_obfuscation", True) is not False
        self.base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body["model"],
            "service_tier": "default",
            "system_fingerprint": "fp_mimi_local",
        }

    def chunk(
        self,
        delta: dict[str, Any] | None,
        finish_reason: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> str:
        """One chunk's JSON: a choice with this delta (None: no choices, the usage chunk)."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        out: dict[str, Any] = {**self.base, "choices": [] if delta is None else [choice]}
        if self.include_usage:
            out["usage"] = usage
        if self.obfuscate:  # OpenAI pads each chunk to hide token lengths from an eavesdropper
            out["obfuscation"] = secrets.token_urlsafe(6)[: 1 + secrets.randbelow(8)]
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _fault_point(fault: Fault | None, total: int) -> int:
    """After how many tokens a cut or invalid JSON happens (default: half the reply)."""
    if fault is None or fault.after_tokens is None:
        return total // 2
    return fault.after_tokens


def _until(pieces: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """The pieces that fit in the first `limit` tokens."""
    kept, written = [], 0
    for piece, n in pieces:
        if written + n > limit:
            break
        kept.append((piece, n))
        written += n
    return kept


def _stall(fault: Fault | None, index: int, written: int) -> float:
    """How late a chunk is because of a stall: every chunk after the first (and after `after_tokens` tokens)."""
    if fault is None or fault.kind != "stall" or index == 0:
        return 0.0
    return fault.stall_s if written >= (fault.after_tokens or 0) else 0.0


class EventStream(Response):
    """Server-sent events sent at their due times. It stops when the client goes away; a cut stream returns
    without finishing the chunked body, so the server drops the connection mid-response."""

    media_type = "text/event-stream"

    def __init__(self, events: list[Event], *, cut: bool, started: float) -> None:
        self.status_code, self.background = 200, None
        self.events, self.cut, self.started = events, cut, started
        self.init_headers({"cache-control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        finished = False
        async with anyio.create_task_group() as group:
            group.start_soon(_until_disconnect, receive, group.cancel_scope)
            finished = await self._send_events(send)
            group.cancel_scope.cancel()
        if finished and not self.cut:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send_events(self, send: Send) -> bool:
        for event in self.events:
            await anyio.sleep(max(0.0, self.started + event.at - anyio.current_time()))
            body = f"data: {event.data}\n\n".encode()
            await send({"type": "http.response.body", "body": body, "more_body": True})
        return True


async def _until_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    """Cancel the stream when the client disconnects (the request body was read before)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
