"""Invoke a function's real `handler(event, context)` with Lambda function-URL (payload v2.0) events."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
TEXT_TYPES = (
    "application/json",
    "text/",
    "application/x-www-form-urlencoded",
    "application/problem+json",
)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that code may read."""

    function_name: str
    aws_request_id: str
    deadline: float
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:000000000000:function:local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def function_names() -> list[str]:
    """Every deployable function: a folder under functions/ with a handler.py."""
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/handler.py"))


def load_handler(name: str) -> Handler:
    """Import functions/<name>/handler.py as Lambda would and return its `handler`."""
    path = FUNCTIONS / name / "handler.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_handler", path)
    assert spec and spec.loader
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.handler
    return handler


def _is_text(content_type: str, body: bytes) -> bool:
    if not content_type.startswith(TEXT_TYPES):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build_event(
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str = "127.0.0.1",
    domain: str = "local.lambda-url.localhost",
) -> dict[str, Any]:
    """A function-URL event (payload format 2.0) as AWS sends it; `domain` is the function URL's host."""
    now = datetime.now(UTC)
    text = _is_text(headers.get("content-type", ""), body)
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    params = {k: v for k, _, v in (p.partition("=") for p in query.split("&") if p)}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path or "/",
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
            "http": {
                "method": method,
                "path": path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
        },
        "isBase64Encoded": not text,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        event["body"] = body.decode("utf-8") if text else base64.b64encode(body).decode()
    return event


def to_response(result: dict[str, Any]) -> Response:
    """Turn a handler's function-URL result into an HTTP response."""
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    response = Response(body, status_code=int(result.get("statusCode", 200)))
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.append(key, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.append("set-cookie", cookie)
    return response


def _ensure_thread_event_loop() -> None:
    """Give the calling worker thread an event loop for Mangum when it has none."""
    # Mangum sets a loop up only in the thread that built it (Lambda's one runtime thread); here any worker
    # thread may invoke a function, e.g. a QStash delivery while a browser polls.
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


class FunctionApp:
    """An ASGI app that runs one function exactly as a Lambda function URL would."""

    def __init__(
        self, name: str, timeout_s: float = 30.0, limiter: anyio.CapacityLimiter | None = None
    ):
        self.name = name
        self.timeout_s = timeout_s
        self.limiter = limiter
        self._handler: Handler | None = None

    def handler(self) -> Handler:
        if self._handler is None:  # cold start on first use, as Lambda does
            self._handler = load_handler(self.name)
        return self._handler

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        _ensure_thread_event_loop()
        context = LambdaContext(
            self.name, event["requestContext"]["requestId"], time.monotonic() + self.timeout_s
        )
        return self.handler()(event, context)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        root, path = scope.get("root_path", ""), scope["path"]
        path = path[len(root) :] if root and path.startswith(root) else path
        client = request.client.host if request.client else "127.0.0.1"
        # A local function URL is a path under the dev server: its "domain" carries that prefix, so that domain +
        # rawPath is the URL the caller used, as on AWS (docs/architecture.md); the scheme is the server's.
        headers.setdefault("x-forwarded-proto", scope.get("scheme", "http"))
        event = build_event(
            request.method,
            path or "/",
            scope.get("query_string", b"").decode(),
            headers,
            body,
            client,
            domain=f"{headers.get('host', '127.0.0.1')}{root}",
        )
        result = await anyio.to_thread.run_sync(self.invoke, event, limiter=self.limiter)
        await to_response(result)(scope, receive, send)
