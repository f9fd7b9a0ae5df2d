"""Callbacks of the local QStash: the JSON QStash reports an attempt with, and the message that carries it."""

from __future__ import annotations

import json
from typing import Any

from mimi_local.qstash.model import (
    Attempt,
    Message,
    b64,
    forwarded,
    listed,
    now_ms,
    parse_duration,
    retries_header,
)


def callback_body(message: Message, attempt: Attempt, dlq_id: str | None = None) -> bytes:
    """The JSON QStash posts to a (failure) callback about one attempt."""
    out: dict[str, Any] = {
        "status": attempt.status,
        "header": attempt.header,
        "body": b64(attempt.body),
        "retried": message.retried,
        "maxRetries": message.max_retries,
        "sourceMessageId": message.message_id,
        "url": message.url,
        "method": message.method,
        "sourceHeader": listed(message.headers),
        "sourceBody": b64(message.body),
        "notBefore": message.not_before_ms,
        "createdAt": message.created_at_ms,
        "scheduleId": "",
        "callerIP": message.caller_ip,
    }
    if dlq_id:
        out["dlqId"] = dlq_id
    return json.dumps(out).encode()


def callback_message(url: str, options: dict[str, str], body: bytes, source: Message) -> Message:
    """A signed message to a (failure) callback, configured by its `Upstash-[Failure-]Callback-*` options."""
    delay, timeout = options.get("delay"), options.get("timeout")
    return Message(
        url=url,
        body=body,
        headers=forwarded(options) | {"content-type": "application/json"},
        max_retries=retries_header(options.get("retries"), source.max_retries),
        not_before_ms=now_ms() + int(parse_duration(delay) * 1000 if delay else 0),
        timeout_s=parse_duration(timeout) if timeout else None,
        caller_ip=source.caller_ip,
    )


def check_callback_options(message: Message) -> None:
    """Refuse, at publish time, callback options that could not be applied later."""
    for options in (message.callback_options, message.failure_callback_options):
        callback_message("http://callback.invalid", options, b"", message)
