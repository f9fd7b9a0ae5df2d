"""A local stand-in for the Upstash Redis REST API, so upstash-redis and upstash-ratelimit run unmodified.

Mount it with `upstash_routes(prefix, ...)` rather than a bare `Mount`: the Upstash client POSTs single
commands to the prefix itself (no trailing slash), which a `Mount` alone answers with a 307 redirect.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from mimi_local.redis.server import Clients, ReadOnlyClients, RedisBackend

__all__ = ["RedisBackend", "build_app", "upstash_routes"]

Command = list[str | int | float]
Handler = Callable[[Request, Clients, bool], Awaitable[JSONResponse]]


@dataclass(frozen=True)
class Tokens:
    """The database's REST token, and its read-only token when it has one."""

    full: str
    readonly: str | None = None


Endpoint = Callable[[Request], Awaitable[JSONResponse]]

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Commands that would leave a pooled connection in a special state (transaction, pub/sub, other db).
REFUSED = frozenset(
    {"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
     "MONITOR", "HELLO", "RESET", "QUIT"}
)  # fmt: skip
# Upstash has its own shebang flag (allow-key-locking, sent by upstash-ratelimit) that stock Redis rejects.
SHEBANG_FLAGS = re.compile(r"\A(#!lua[^\n]*?) flags=(\S*)")
REDIS_SCRIPT_FLAGS = frozenset(
    {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}
)


class RestError(Exception):
    """A request refused before reaching Redis, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _error(message: str, status: int) -> JSONResponse:
    """An Upstash-shaped error body."""
    return JSONResponse({"error": message}, status_code=status)


def _error_text(exc: Exception) -> str:
    """The Redis error line as the server sent it (redis-py strips the leading code)."""
    code = getattr(exc, "status_code", None)
    return f"{code} {exc}" if code else str(exc)


def _unavailable_text(exc: Exception) -> str:
    """The message for a stopped or unreachable Redis."""
    return f"ERR Redis backend unavailable: {exc}"


def _authorized(request: Request, token: str) -> bool:
    """Bearer token from the header, or `_token` in the query string as Upstash allows."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        given = request.query_params.get("_token", "")
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _encode_reply(value: Any, b64: bool) -> Any:
    """A raw RESP reply as JSON: strings as text or base64, arrays recursively, integers and nil as-is."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, list | tuple | set):
        return [_encode_reply(item, b64) for item in value]
    if isinstance(value, Exception):
        return _error_text(value)
    raw = value if isinstance(value, bytes) else str(value).encode()
    if raw == b"OK" or not b64:  # Upstash leaves the OK status plain even in base64 mode
        return raw.decode("utf-8", "replace")
    return base64.b64encode(raw).decode("ascii")


def _strip_upstash_flags(script: str) -> str:
    """Keep the shebang flags Redis knows; with none left drop the shebang, which fakeredis cannot parse."""
    match = SHEBANG_FLAGS.match(script)
    if match is None:
        return script
    flags = [flag for flag in match.group(2).split(",") if flag in REDIS_SCRIPT_FLAGS]
    head = (
        f"{match.group(1)} flags={','.join(flags)}" if flags else ""
    )  # blank line keeps line numbers
    return head + script[match.end() :]


def _script_index(command: Command) -> int | None:
    """Where the Lua body sits in EVAL / EVAL_RO / SCRIPT LOAD, if this is one of them."""
    name = str(command[0]).upper()
    if name in ("EVAL", "EVAL_RO"):
        return 1
    if name == "SCRIPT" and len(command) > 1 and str(command[1]).upper() == "LOAD":
        return 2
    return None


def _adapt_scripts(command: Command) -> Command:
    """Make script bodies acceptable to a stock Redis."""
    index = _script_index(command)
    if index is not None and index < len(command) and isinstance(command[index], str):
        command[index] = _strip_upstash_flags(str(command[index]))
    return command


def _parse_command(item: Any) -> Command:
    """Validate one command: a non-empty array of strings and numbers, not a connection-state command."""
    valid = isinstance(item, list) and item and isinstance(item[0], str)
    if not valid or any(
        isinstance(arg, bool) or not isinstance(arg, str | int | float) for arg in item
    ):
        raise RestError("ERR a command must be a non-empty JSON array of strings and numbers")
    if item[0].upper() in REFUSED:
        raise RestError(f"ERR Command is not available: '{item[0]}'")
    return _adapt_scripts(list(item))


def _parse_commands(body: Any) -> list[Command]:
    """Validate a pipeline or transaction body: an array of commands."""
    if not isinstance(body, list):
        raise RestError("ERR a pipeline must be a JSON array of commands")
    return [_parse_command(item) for item in body]


async def _json_body(request: Request) -> Any:
    """The request body as JSON, or a 400."""
    try:
        return json.loads(await request.body())
    except ValueError as exc:
        raise RestError("ERR failed to parse the request body as JSON") from exc


def _batch_reply(results: list[Any], b64: bool) -> JSONResponse:
    """One {"result"} or {"error"} per command, in order."""
    replies = [
        {"error": _error_text(r)} if isinstance(r, Exception) else {"result": _encode_reply(r, b64)}
        for r in results
    ]
    return JSONResponse(replies)


async def _run_batch(backend: Clients, commands: list[Command], transaction: bool) -> list[Any]:
    """Send all commands in one round trip; per-command errors come back in place."""
    client = await backend.client()
    async with client.pipeline(transaction=transaction) as pipe:
        for command in commands:
            pipe.execute_command(*command)
        results: list[Any] = await pipe.execute(raise_on_error=False)
    return results


async def _batch(request: Request, backend: Clients, b64: bool, transaction: bool) -> JSONResponse:
    """Run a pipeline or transaction; an unreachable Redis fails every command with 503."""
    commands = _parse_commands(await _json_body(request))
    try:
        results = await _run_batch(backend, commands, transaction)
    except UNAVAILABLE as exc:
        failed = [{"error": _unavailable_text(exc)} for _ in commands]
        return JSONResponse(failed, status_code=503)
    return _batch_reply(results, b64)


async def _execute(backend: Clients, command: Command, b64: bool) -> JSONResponse:
    """Run one command and wrap its reply."""
    client = await backend.client()
    execute: Callable[..., Awaitable[Any]] = client.execute_command  # untyped in redis-py
    reply = await execute(*command)
    return JSONResponse({"result": _encode_reply(reply, b64)})


async def _single(request: Request, backend: Clients, b64: bool) -> JSONResponse:
    """POST / with a JSON array such as ["SET", "k", "v", "EX", 10]."""
    return await _execute(backend, _parse_command(await _json_body(request)), b64)


async def _pipeline(request: Request, backend: Clients, b64: bool) -> JSONResponse:
    """POST /pipeline: commands run in order, not atomically."""
    return await _batch(request, backend, b64, transaction=False)


async def _multi_exec(request: Request, backend: Clients, b64: bool) -> JSONResponse:
    """POST /multi-exec: commands run inside MULTI/EXEC."""
    return await _batch(request, backend, b64, transaction=True)


async def _path_style(request: Request, backend: Clients, b64: bool) -> JSONResponse:
    """GET/POST /<cmd>/<arg>/...; a POST body becomes the last argument."""
    args: list[Any] = [part for part in str(request.path_params["path"]).split("/") if part]
    body = await request.body()
    if request.method == "POST" and body:
        args.append(body.decode("utf-8", "replace"))
    return await _execute(backend, _parse_command(args), b64)


def _endpoint(tokens: Tokens, backend: RedisBackend, handler: Handler) -> Endpoint:
    """Wrap a handler with the token check, the encoding header and Upstash-shaped errors."""
    readonly = ReadOnlyClients(backend)

    async def endpoint(request: Request) -> JSONResponse:
        if _authorized(request, tokens.full):
            clients: Clients = backend
        elif tokens.readonly and _authorized(request, tokens.readonly):
            clients = readonly  # Upstash's read-only token: a write answers NOPERM
        else:
            return _error("Unauthorized", 401)
        b64 = request.headers.get("upstash-encoding", "").lower() == "base64"
        try:
            return await handler(request, clients, b64)
        except RestError as exc:
            return _error(exc.message, exc.status)
        except UNAVAILABLE as exc:
            return _error(_unavailable_text(exc), 503)
        except RedisError as exc:
            return _error(_error_text(exc), 400)

    return endpoint


def build_app(token: str, backend: RedisBackend, readonly_token: str | None = None) -> Starlette:
    """The REST API as an app whose routes are relative to its mount point."""
    tokens = Tokens(token, readonly_token)
    return Starlette(
        routes=[
            Route("/", _endpoint(tokens, backend, _single), methods=["POST"]),
            Route("/pipeline", _endpoint(tokens, backend, _pipeline), methods=["POST"]),
            Route("/multi-exec", _endpoint(tokens, backend, _multi_exec), methods=["POST"]),
            Route("/{path:path}", _endpoint(tokens, backend, _path_style), methods=["GET", "POST"]),
        ]
    )


def upstash_routes(
    prefix: str, token: str, backend: RedisBackend, readonly_token: str | None = None
) -> list[BaseRoute]:
    """Routes to add to a host app: the bare prefix for single commands, plus the mounted API."""
    prefix = "/" + prefix.strip("/")
    single = _endpoint(Tokens(token, readonly_token), backend, _single)
    app = build_app(token, backend, readonly_token)
    return [Route(prefix, single, methods=["POST"]), Mount(prefix, app=app)]
