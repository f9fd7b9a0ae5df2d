"""Call a function's real handler(event, context) in-process, as Lambda does, and read its answer."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from mimi_local.lambda_adapter import Handler, LambdaContext, build_event, load_handler

# The function URL an invoked event says it was sent to (build_event's domain; Mangum's scheme by default):
# what a QStash signature for an invoked function must name.
FUNCTION_URL = "https://local.lambda-url.localhost"


@cache
def handler_of(function: str) -> Handler:
    return load_handler(function)


def invoke(
    function: str,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body or {}, headers) of one invocation."""
    event = build_event(method, path, query, headers or {}, body)
    response = handler_of(function)(event, LambdaContext(function, "test", 1e12))
    raw = response.get("body") or ""
    data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {}
    return (
        response["statusCode"],
        parsed if isinstance(parsed, dict) else {"items": parsed},
        response["headers"],
    )
