"""Local stand-in for Upstash QStash v2; the official `qstash` client and Receiver work against it as is.

Mount `build_app(config)` at `/qstash` and point the client at `http://127.0.0.1:PORT/qstash`. The app's
`state.qstash` is the `Dispatcher`: `messages`, `dlq`, `rotate_keys()`, `wait_idle()` and `drain()`.
"""

from __future__ import annotations

import contextlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mimi_local.qstash.callbacks import check_callback_options
from mimi_local.qstash.delivery import Dispatcher
from mimi_local.qstash.model import PublishError, message_from_publish
from mimi_local.qstash.store import QStashConfig

__all__ = ["Dispatcher", "QStashConfig", "build_app"]

Handler = Callable[[Request], Awaitable[Response]]


def _error(status: int, message: str) -> JSONResponse:
    """An error body shaped like QStash's."""
    return JSONResponse({"error": message}, status_code=status)


class _Api:
    """The QStash REST endpoints over one dispatcher."""

    def __init__(self, qstash: Dispatcher) -> None:
        self.qstash = qstash

    async def publish(self, request: Request) -> Response:
        """`POST /v2/publish/<destination url>`: accept, deduplicate, deliver in the background."""
        url = request.path_params["destination"]
        if request.url.query:
            url = f"{url}?{request.url.query}"
        caller_ip = request.client.host if request.client else ""
        retries = self.qstash.config.default_retries
        try:
            message = message_from_publish(
                url, await request.body(), request.headers, retries=retries, caller_ip=caller_ip
            )
            check_callback_options(message)
        except PublishError as exc:
            return _error(400, str(exc))
        if earlier := self.qstash.store.duplicate_of(message):
            return JSONResponse({"messageId": earlier, "deduplicated": True}, status_code=201)
        self.qstash.submit(message)
        return JSONResponse({"messageId": message.message_id}, status_code=201)

    async def get_message(self, request: Request) -> Response:
        """`GET /v2/messages/<id>`: a message still waiting for delivery."""
        message_id = request.path_params["message_id"]
        if not self.qstash.is_pending(message_id):
            return _error(404, f"message {message_id} not found")
        return JSONResponse(self.qstash.messages[message_id].to_json())

    async def cancel_message(self, request: Request) -> Response:
        """`DELETE /v2/messages/<id>`: cancel a pending message."""
        message_id = request.path_params["message_id"]
        if not self.qstash.cancel(message_id):
            return _error(404, f"message {message_id} not found")
        return Response(status_code=202)

    async def list_dlq(self, request: Request) -> Response:
        """`GET /v2/dlq`: a page of dead-lettered messages."""
        return JSONResponse(self.qstash.store.list_dlq(request.query_params))

    async def get_dlq(self, request: Request) -> Response:
        """`GET /v2/dlq/<dlqId>`: one dead-lettered message."""
        entry = self.qstash.dlq.get(request.path_params["dlq_id"])
        return JSONResponse(entry.to_json()) if entry else _error(404, "dlq message not found")

    async def delete_dlq(self, request: Request) -> Response:
        """`DELETE /v2/dlq/<dlqId>`: drop one dead-lettered message."""
        if self.qstash.dlq.pop(request.path_params["dlq_id"], None) is None:
            return _error(404, "dlq message not found")
        return Response(status_code=200)

    async def delete_dlq_many(self, request: Request) -> Response:
        """`DELETE /v2/dlq` with `{"dlqIds": [...]}`: drop several; answers how many went."""
        ids = json.loads(await request.body() or b"{}").get("dlqIds", [])
        deleted = sum(self.qstash.dlq.pop(str(i), None) is not None for i in ids)
        return JSONResponse({"deleted": deleted})

    async def get_keys(self, request: Request) -> Response:
        """`GET /v2/keys`: the current and next signing keys."""
        store = self.qstash.store
        return JSONResponse({"current": store.current_signing_key, "next": store.next_signing_key})

    async def rotate_keys(self, request: Request) -> Response:
        """`POST /v2/keys/rotate`: next becomes current, and a new next is minted."""
        current, next_key = self.qstash.rotate_keys()
        return JSONResponse({"current": current, "next": next_key})

    def authorized(self, handler: Handler) -> Handler:
        """Wrap a handler so it answers 401 without the bearer token."""
        expected = f"Bearer {self.qstash.config.token}".encode()

        async def guarded(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return _error(401, "Unauthorized")
            return await handler(request)

        return guarded

    def routes(self) -> list[Route]:
        """Every endpoint, each behind the token check."""
        table: list[tuple[str, Handler, str]] = [
            ("/v2/publish/{destination:path}", self.publish, "POST"),
            ("/v2/messages/{message_id}", self.get_message, "GET"),
            ("/v2/messages/{message_id}", self.cancel_message, "DELETE"),
            ("/v2/dlq", self.list_dlq, "GET"),
            ("/v2/dlq", self.delete_dlq_many, "DELETE"),
            ("/v2/dlq/{dlq_id}", self.get_dlq, "GET"),
            ("/v2/dlq/{dlq_id}", self.delete_dlq, "DELETE"),
            ("/v2/keys", self.get_keys, "GET"),
            ("/v2/keys/rotate", self.rotate_keys, "POST"),
        ]
        return [Route(path, self.authorized(fn), methods=[method]) for path, fn, method in table]


def build_app(config: QStashConfig) -> Starlette:
    """The local QStash as an ASGI app; `app.state.qstash` is its Dispatcher."""
    qstash = Dispatcher(config)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await qstash.aclose()

    app = Starlette(routes=_Api(qstash).routes(), lifespan=lifespan)
    app.state.qstash = qstash
    return app
