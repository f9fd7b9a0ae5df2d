"""OpenAI stand-in: POST /v1/chat/completions answering with JSON valid against the requested json_schema, whole
or streamed as server-sent events (`"stream": true`), paced in o200k tokens.

Test controls live on `app.state.openai` (a StubControls); the dev routes set stream faults and the pace over
HTTP: `POST /dev/faults` {kind, after_tokens?, stall_s?, model?, match?, times?}, `DELETE /dev/faults`,
`PUT /dev/pace` {"pace": "0.5,70"}.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
import time
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mimi.agent import tokens
from mimi_local.openai.content import INVALID_JSON, content
from mimi_local.openai.controls import Pace, StubControls, fault_from_json
from mimi_local.openai.stream import Event, EventStream, Reply, plan

ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests"}


def error(status: int, message: str, code: str | None = None) -> JSONResponse:
    """An OpenAI-shaped error response."""
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}, status
    )


def prompt_tokens(body: dict[str, Any]) -> int:
    """The request's input tokens: its messages, and the response schema (OpenAI counts it as input)."""
    messages = [{"content": str(m.get("content", ""))} for m in body["messages"]]
    fmt = body.get("response_format") or {}
    schema = fmt.get("json_schema", {}).get("schema") if fmt.get("type") == "json_schema" else None
    return tokens.messages_tokens(messages) + (tokens.schema_tokens(schema) if schema else 0)


def completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    """A chat.completion object with its usage in o200k tokens."""
    prompt, answer = prompt_tokens(body), tokens.output_tokens(text)
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
                "message": {"role": "assistant", "content": text, "refusal": None},
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        },
    }


def streamed(body: dict[str, Any], text: str, controls: StubControls) -> tuple[list[Event], bool]:
    """The events of a streamed reply (tokenizing is CPU work: run it off the event loop)."""
    reply = Reply(body, text, prompt_tokens(body), controls.pace, controls.take_fault(body))
    return plan(reply, int(time.time()), "chatcmpl-" + secrets.token_hex(12))


async def _request_body(request: Request, controls: StubControls) -> dict[str, Any] | Response:
    """The authorized request's JSON body, or the error OpenAI would answer."""
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
    return body


def build_app(api_key: str, pace: Pace | None = None) -> Starlette:
    """The stand-in for one provider: POST /v1/chat/completions with bearer `api_key`, streamed at `pace`."""
    controls = StubControls(api_key=api_key, pace=pace or Pace())
    # load the tokenizer (a second or more) now, not within the first request's time to its first token
    threading.Thread(target=tokens.count, args=("",), daemon=True).start()

    async def chat_completions(request: Request) -> Response:
        body = await _request_body(request, controls)
        if isinstance(body, Response):
            return body
        controls.calls.append(body)
        if controls.delay_s:
            await asyncio.sleep(controls.delay_s)
        if (status := controls.take_failure()) is not None:
            return error(status, f"The local stub was told to fail with {status}.")
        text = INVALID_JSON if controls.take_invalid() else content(body, controls.overlong)
        if not body.get("stream"):
            return JSONResponse(await anyio.to_thread.run_sync(completion, body, text))
        started = anyio.current_time()
        events, cut = await anyio.to_thread.run_sync(streamed, body, text, controls)
        return EventStream(events, cut=cut, started=started)

    async def add_fault(request: Request) -> Response:
        try:
            kind, options = fault_from_json(await request.body())
            controls.fault_stream(kind, **options)
        except (ValueError, TypeError) as exc:
            return error(400, str(exc))
        return JSONResponse({"faults": len(controls.faults)}, 201)

    async def clear_faults(_: Request) -> Response:
        controls.faults.clear()
        return Response(status_code=204)

    async def set_pace(request: Request) -> Response:
        try:
            controls.pace = Pace.parse(str((await request.json()).get("pace", "")))
        except (ValueError, TypeError, AttributeError) as exc:
            return error(400, str(exc))
        return JSONResponse(vars(controls.pace))

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/dev/faults", add_fault, methods=["POST"]),
            Route("/dev/faults", clear_faults, methods=["DELETE"]),
            Route("/dev/pace", set_pace, methods=["PUT"]),
        ]
    )
    app.state.openai = controls
    return app
