"""OpenAI stand-in: POST /v1/chat/completions answering with JSON valid against the requested json_schema.

For the `mimi_reading` schema the reply is a reading built from the cards listed in the system prompt; other
schemas get a minimal valid instance. Test controls live on `app.state.openai` (a StubControls).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mimi_local.openai.reading import REJECT_MARKER, mimi_reading

__all__ = ["REJECT_MARKER", "StubControls", "build_app"]

INVALID_JSON = '{"accepted": true, "header": "unterminated'
ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests"}


@dataclass
class StubControls:
    """Knobs for tests: failures, invalid output, slowness, oversized output; every accepted request in `calls`."""

    api_key: str
    delay_s: float = 0.0
    overlong: bool = False
    down_status: int | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _invalid: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next n requests with this HTTP error status."""
        with self._lock:
            self._failures.extend([status] * n)

    def always_fail(self, status: int | None = 500) -> None:
        """Answer every request with this status until called with None."""
        self.down_status = status

    @property
    def down(self) -> bool:
        return self.down_status is not None

    @down.setter
    def down(self, value: bool) -> None:
        self.down_status = 503 if value else None

    def invalid_json_next(self, n: int = 1) -> None:
        """Answer the next n requests with 200 and message content that is not valid JSON."""
        with self._lock:
            self._invalid += n

    def reset(self) -> None:
        """Back to a healthy, fast stub with no recorded calls."""
        with self._lock:
            self._failures.clear()
            self._invalid = 0
        self.delay_s, self.overlong, self.down_status = 0.0, False, None
        self.calls.clear()

    def take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else self.down_status

    def take_invalid(self) -> bool:
        with self._lock:
            if self._invalid:
                self._invalid -= 1
                return True
            return False


def estimate_tokens(text: str) -> int:
    """A tokenizer-free token estimate: ~4 ASCII characters per token, ~1.5 characters for Thai and the rest."""
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return max(1, ascii_chars // 4 + (len(text) - ascii_chars) * 2 // 3)


def error(status: int, message: str, code: str | None = None) -> JSONResponse:
    """An OpenAI-shaped error response."""
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}, status
    )


def schema_example(node: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A minimal instance valid against a JSON schema (objects, arrays, scalars, enums, anyOf, refs)."""
    defs = {**(defs or {}), **node.get("$defs", {})}
    if "$ref" in node:
        return schema_example(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return schema_example(node["anyOf"][0], defs)
    if "enum" in node or "const" in node:
        return node["enum"][0] if "enum" in node else node["const"]
    kind = node.get("type", "object")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object":
        return {k: schema_example(v, defs) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [
            schema_example(node.get("items", {}), defs)
            for _ in range(max(1, node.get("minItems", 1)))
        ]
    scalars: dict[str, Any] = {
        "string": "stub",
        "integer": node.get("minimum", 0),
        "number": 0.0,
        "boolean": True,
        "null": None,
    }
    return scalars[kind]


def _content(body: dict[str, Any], controls: StubControls) -> str:
    """The assistant message content for a request, honouring its response_format."""
    if controls.take_invalid():
        return INVALID_JSON
    messages = body["messages"]
    system = "\n".join(
        str(m.get("content", "")) for m in messages if m.get("role") in {"system", "developer"}
    )
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema", {})
        if spec.get("name") == "mimi_reading":
            return json.dumps(mimi_reading(system, user, controls.overlong), ensure_ascii=False)
        return json.dumps(schema_example(spec.get("schema", {})), ensure_ascii=False)
    if fmt.get("type") == "json_object":
        return "{}"
    return "สวัสดีค่ะ มีมี่เองค่ะ" if "LANGUAGE: en" not in system else "Hello, this is Mimi."


def completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    """A chat.completion object with an estimated usage."""
    prompt = sum(estimate_tokens(str(m.get("content", ""))) + 4 for m in body["messages"])
    answer = estimate_tokens(content)
    return {
        "id": "chatcmpl-" + secrets.token_hex(12),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_mimi_local",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": None},
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        },
    }


def build_app(api_key: str) -> Starlette:
    """The stand-in for one provider: POST /v1/chat/completions with bearer `api_key`."""
    controls = StubControls(api_key=api_key)

    async def chat_completions(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), controls.api_key.encode()
        ):
            return error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body = await request.json()
        except ValueError:
            return error(400, "We could not parse the JSON body of your request.")
        if (
            not isinstance(body, dict)
            or not body.get("model")
            or not isinstance(body.get("messages"), list)
        ):
            return error(400, "'model' and 'messages' are required.", "invalid_request")
        controls.calls.append(body)
        if controls.delay_s:
            await asyncio.sleep(controls.delay_s)
        if (status := controls.take_failure()) is not None:
            return error(status, f"The local stub was told to fail with {status}.")
        return JSONResponse(completion(body, _content(body, controls)))

    app = Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])
    app.state.openai = controls
    return app
