"""LINE Messaging API push over the process's shared HTTP client (line-bot-sdk costs ~1.2 s and 33 MB to import)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mimi import http
from mimi.config import get_settings

PUSH_PATH = "/v2/bot/message/push"
TIMEOUT_S = 3.0  # the reading is already stored: a slow LINE must not hold the processor
RETRY_KEY_NAMESPACE = uuid.UUID("7d1f3c8e-5a51-4f0e-9d7b-6a3e2c1b0f42")


class PushFailed(Exception):
    """LINE did not accept the push (status, or None when it could not be reached)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


def retry_key(name: str) -> str:
    """A stable X-Line-Retry-Key (a UUID) for one logical push, so LINE drops a repeat of it."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, name))


def push(*, to: str, messages: list[dict[str, Any]], key: str) -> None:
    """Send one push message; PushFailed unless LINE answers 2xx (409: the same retry key was already accepted)."""
    s = get_settings()
    headers = {
        "Authorization": f"Bearer {s.line_channel_access_token.get_secret_value()}",
        "X-Line-Retry-Key": retry_key(key),
    }
    try:
        response = http.client(TIMEOUT_S).post(
            s.line_messaging_api_url.rstrip("/") + PUSH_PATH,
            json={"to": to, "messages": messages},
            headers=headers,
        )
    except httpx.HTTPError as exc:
        raise PushFailed(type(exc).__name__) from None
    if response.status_code == 409 and response.headers.get("x-line-accepted-request-id"):
        return  # an earlier attempt with this key went through
    if not response.is_success:
        raise PushFailed("rejected", response.status_code)
