"""LINE Messaging API stand-in: the push endpoint (channel access token checked) and the pushes it recorded.

Like LINE, a push needs `Authorization: Bearer <channel access token>`, a `to` user id (U + 32 hex) and 1-5
messages; a repeated `X-Line-Retry-Key` answers 409 with `x-line-accepted-request-id` and is not delivered again.
Looser than LINE: message objects are checked only for a `type` (the buttons template's limits are not enforced).
`GET /dev/pushes[?to=U...]` lists what was delivered, for tests and the dev console.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

USER_ID = re.compile(r"^U[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Messaging:
    """The stand-in's state: the token it accepts, the pushes delivered, and a knob to fail the next ones."""

    channel_access_token: str
    pushes: list[dict[str, Any]] = field(default_factory=list)
    _accepted: dict[str, str] = field(default_factory=dict)  # retry key -> request id
    _failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next n well-formed pushes with this status (nothing delivered)."""
        with self._lock:
            self._failures.extend([status] * n)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self.pushes.clear()
            self._accepted.clear()

    def take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def pushes_to(self, to: str | None) -> list[dict[str, Any]]:
        with self._lock:
            return [p for p in self.pushes if to is None or p["to"] == to]


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"message": message}, status, headers=headers)


def _invalid(body: Any) -> str | None:
    """Why a push body is not one LINE accepts, or None."""
    if not isinstance(body, dict) or not USER_ID.match(str(body.get("to", ""))):
        return "The property, 'to', in the request body is invalid"
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    if not all(isinstance(m, dict) and isinstance(m.get("type"), str) for m in messages):
        return "The request body has 1 error(s)"
    return None


def routes(state: Messaging) -> list[Route]:
    """POST /v2/bot/message/push and GET /dev/pushes, for mounting under /line."""

    async def push(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), state.channel_access_token.encode()
        ):
            return _error(
                401,
                "Authentication failed. Confirm that the access token in the authorization header "
                "is valid.",
            )
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "The request body has 1 error(s)")
        if reason := _invalid(body):
            return _error(400, reason)
        key = request.headers.get("x-line-retry-key")
        if key is not None and not UUID.match(key):
            return _error(400, "The retry key must be a UUID")
        if key is not None and key in state._accepted:
            return _error(
                409,
                "The retry key is already accepted",
                **{"x-line-accepted-request-id": state._accepted[key]},
            )
        if (status := state.take_failure()) is not None:
            return _error(status, "The local stand-in was told to fail.")
        request_id = secrets.token_hex(16)
        sent = [
            {"id": str(secrets.randbelow(10**18)), "quoteToken": secrets.token_urlsafe(16)}
            for _ in body["messages"]
        ]
        with state._lock:
            if key is not None:
                state._accepted[key] = request_id
            state.pushes.append(
                {
                    "to": body["to"],
                    "messages": body["messages"],
                    "retry_key": key,
                    "request_id": request_id,
                    "sent_at": time.time(),
                }
            )
        return JSONResponse({"sentMessages": sent}, headers={"x-line-request-id": request_id})

    async def pushes(request: Request) -> JSONResponse:
        return JSONResponse({"pushes": state.pushes_to(request.query_params.get("to"))})

    return [Route("/v2/bot/message/push", push, methods=["POST"]), Route("/dev/pushes", pushes)]
