"""Shared helpers for the readings and reading_processor tests: submit, wait, sign like QStash, inspect."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import TYPE_CHECKING, Any

import httpx
import jwt

from mimi.config import get_settings
from tests.functions.conftest import bearer

if TYPE_CHECKING:  # annotations only: SQL-only test sessions need not import the stack
    from mimi_local.stack import LocalStack

FINAL = {"completed", "rejected", "failed"}
QUESTION_TH = "ความรักของฉันจะเป็นอย่างไร"


def readings_url(stack: LocalStack, path: str = "/") -> str:
    return f"{stack.url}/functions/readings{path}"


def processor_url(stack: LocalStack, path: str = "/") -> str:
    return f"{stack.url}/functions/reading_processor{path}"


def unique_question(prefix: str = QUESTION_TH) -> str:
    """A valid question no other test asks, so stub calls can be counted per test."""
    return f"{prefix} #{secrets.token_hex(4)}"


def submit(
    stack: LocalStack, session: dict[str, Any], question: str | None = None, **extra: Any
) -> httpx.Response:
    body = {"question": question or unique_question(), **extra}
    return httpx.post(readings_url(stack), headers=bearer(session), json=body, timeout=30)


def submitted(
    stack: LocalStack, session: dict[str, Any], question: str | None = None, **extra: Any
) -> str:
    response = submit(stack, session, question, **extra)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def wait_final(
    stack: LocalStack, session: dict[str, Any], reading_id: str, timeout: float = 20
) -> dict[str, Any]:
    """Poll GET /{id} like the app does, until the reading is completed, rejected or failed."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = httpx.get(
            readings_url(stack, f"/{reading_id}"), headers=bearer(session)
        ).json()
        if body.get("status") in FINAL:
            return body
        assert time.monotonic() < deadline, f"reading {reading_id} still {body.get('status')}"
        time.sleep(0.02)


def wallet(stack: LocalStack, session: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(
        f"{stack.url}/functions/profile/", headers=bearer(session)
    ).json()["wallet"]
    return result


def ledger_keys(sql: Any, user_id: str) -> dict[str, int]:
    """The user's ledger as {idempotency key: delta}."""
    rows = sql.execute(
        "select idempotency_key, delta from public.ledger where user_id = %s", (user_id,)
    ).fetchall()
    return {r["idempotency_key"]: r["delta"] for r in rows}


def reading_row(sql: Any, reading_id: str) -> dict[str, Any]:
    row: dict[str, Any] = sql.execute(
        "select * from public.readings where id = %s", (reading_id,)
    ).fetchone()
    return row


def grant_stars(sql: Any, user_id: str, stars: int) -> None:
    sql.execute(
        "select public.grant_credit(%s, %s, 'test', %s::jsonb)",
        (user_id, f"test:{secrets.token_hex(6)}", json.dumps({"star": stars})),
    )


def llm_calls(stack: LocalStack, question: str) -> int:
    """How many chat completions the OpenAI stand-in answered for this question."""
    return sum(
        question in json.dumps(call["messages"], ensure_ascii=False)
        for call in stack.state["openai"].calls
    )


def qstash_signature(key: str, url: str, body: bytes, *, ttl_s: int = 300, age_s: int = 0) -> str:
    """An Upstash-Signature as QStash makes it: HS256 JWT over the URL and the body's SHA-256."""
    now = int(time.time()) - age_s
    claims = {
        "iss": "Upstash",
        "sub": url,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "jti": f"jwt_{secrets.token_hex(8)}",
        "body": base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode(),
    }
    return jwt.encode(claims, key, algorithm="HS256")


def deliver(stack: LocalStack, path: str, body: bytes, signature: str | None) -> httpx.Response:
    """POST a body to the processor as QStash would, with the given signature (None: no header)."""
    headers = {
        "content-type": "application/json",
        "upstash-message-id": f"msg_{secrets.token_hex(8)}",
    }
    if signature is not None:
        headers["upstash-signature"] = signature
    return httpx.post(processor_url(stack, path), content=body, headers=headers, timeout=30)


def deliver_signed(stack: LocalStack, path: str, body: bytes) -> httpx.Response:
    """A correctly signed delivery to the processor's / or /failed."""
    url = get_settings().reading_processor_url + path.lstrip("/")
    return deliver(
        stack, path, body, qstash_signature(stack.secrets["qstash_current_signing_key"], url, body)
    )


def job_body(reading_id: str) -> bytes:
    return json.dumps({"reading_id": reading_id}).encode()


def failure_body(reading_id: str) -> bytes:
    """A QStash failure-callback body about the job of this reading."""
    source = base64.b64encode(job_body(reading_id)).decode()
    return json.dumps(
        {
            "status": 503,
            "retried": 3,
            "maxRetries": 3,
            "sourceBody": source,
            "url": "http://processor.invalid/",
        }
    ).encode()


def queued_reading(stack: LocalStack, session: dict[str, Any], question: str | None = None) -> str:
    """A reading spent and queued through the rpc, but never published: nothing delivers it on its own."""
    headers = {**bearer(session), "apikey": stack.secrets["anon_key"]}
    response = httpx.post(
        f"{stack.url}/rest/v1/rpc/submit_reading",
        headers=headers,
        json={"p_question": question or unique_question(), "p_depth": "standard"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def dispatcher(stack: LocalStack) -> Any:
    return stack.state["qstash"].state.qstash
