"""The LINE Messaging stand-in checks the channel access token and the push body, and honours retry keys."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx

from mimi_local.stack import LocalStack

TEXT = [{"type": "text", "text": "สวัสดีค่ะ"}]


def push(
    stack: LocalStack, body: dict[str, Any], token: str | None = None, **headers: str
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token or stack.secrets['line_channel_access_token']}"}
    return httpx.post(
        f"{stack.url}/line/v2/bot/message/push", json=body, headers={**auth, **headers}
    )


def recorded(stack: LocalStack, to: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(
        f"{stack.url}/line/dev/pushes", params={"to": to}
    ).json()["pushes"]
    return found


def test_a_push_with_the_channel_token_is_delivered_and_recorded(stack: LocalStack) -> None:
    to = "U" + secrets.token_hex(16)
    response = push(stack, {"to": to, "messages": TEXT})
    assert response.status_code == 200
    assert len(response.json()["sentMessages"]) == 1
    assert [p["messages"] for p in recorded(stack, to)] == [TEXT]


def test_a_wrong_or_missing_token_is_401_and_nothing_is_recorded(stack: LocalStack) -> None:
    to = "U" + secrets.token_hex(16)
    assert push(stack, {"to": to, "messages": TEXT}, token="wrong").status_code == 401
    assert (
        httpx.post(
            f"{stack.url}/line/v2/bot/message/push", json={"to": to, "messages": TEXT}
        ).status_code
        == 401
    )
    assert recorded(stack, to) == []


def test_a_malformed_push_is_400(stack: LocalStack) -> None:
    to = "U" + secrets.token_hex(16)
    for body in (
        {"to": "not-a-user", "messages": TEXT},
        {"to": to, "messages": []},
        {"to": to, "messages": TEXT * 6},
        {"to": to, "messages": [{"text": "no type"}]},
    ):
        assert push(stack, body).status_code == 400, body
    assert (
        push(stack, {"to": to, "messages": TEXT}, **{"X-Line-Retry-Key": "not-a-uuid"}).status_code
        == 400
    )
    assert recorded(stack, to) == []


def test_a_repeated_retry_key_is_409_with_the_accepted_request_and_not_delivered_twice(
    stack: LocalStack,
) -> None:
    to, key = "U" + secrets.token_hex(16), str(uuid.uuid4())
    first = push(stack, {"to": to, "messages": TEXT}, **{"X-Line-Retry-Key": key})
    again = push(stack, {"to": to, "messages": TEXT}, **{"X-Line-Retry-Key": key})
    assert first.status_code == 200
    assert again.status_code == 409
    assert again.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert len(recorded(stack, to)) == 1
