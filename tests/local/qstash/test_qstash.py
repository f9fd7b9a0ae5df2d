"""The local QStash driven by the official `qstash` client; deliveries checked by the official Receiver."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from qstash import QStash, Receiver
from qstash.dlq import DlqMessage
from qstash.errors import QStashError, SignatureError
from qstash.message import PublishResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from mimi_local.pg import free_port
from mimi_local.qstash import Dispatcher, QStashConfig, build_app
from mimi_local.serve import serving

TOKEN = "local-qstash-token"
CURRENT_KEY = "sig_current_0123456789abcdef0123456789"
NEXT_KEY = "sig_next_0123456789abcdef0123456789abcd"


@dataclass
class Hit:
    """One request the receiver got, and whether the official Receiver accepted its signature."""

    method: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    at: float


@dataclass
class Endpoint:
    """A destination endpoint: answers scripted statuses and verifies every signature it receives."""

    base: str
    keys: list[str]
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    plans: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"{self.base}/hook/{name}"

    async def handle(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        try:
            Receiver(self.keys[0], self.keys[1]).verify(
                signature=request.headers.get("upstash-signature", ""),
                body=body.decode(),
                url=self.url(name),
            )
            verified = True
        except SignatureError:
            verified = False
        hit = Hit(request.method, dict(request.headers), body, verified, time.monotonic())
        self.hits.setdefault(name, []).append(hit)
        plan = self.plans.get(name) or [(200, {})]
        status, headers = plan.pop(0) if len(plan) > 1 else plan[0]
        return Response("answer", status_code=status, headers=headers)


@dataclass
class Stack:
    client: QStash
    qstash: Dispatcher
    receiver: Endpoint
    base_url: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = QStashConfig(
        token=TOKEN,
        current_signing_key=CURRENT_KEY,
        next_signing_key=NEXT_KEY,
        backoff_scale=0.0001,
    )
    qstash_app = build_app(config)
    receiver = Endpoint(base=base, keys=[CURRENT_KEY, NEXT_KEY])
    app = Starlette(
        routes=[
            Mount("/qstash", app=qstash_app),
            Route(
                "/hook/{name}", receiver.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]
            ),
        ]
    )
    with serving(app, port):
        client = QStash(TOKEN, base_url=f"{base}/qstash", retry=False)
        yield Stack(client, qstash_app.state.qstash, receiver, f"{base}/qstash")
        close(client)


def close(client: QStash) -> None:
    """Close the client's connection pool; the SDK offers no public close."""
    client.http._client.close()


def hook() -> str:
    return f"h{uuid.uuid4().hex[:12]}"


def publish(stack: Stack, name: str, **options: Any) -> PublishResponse:
    """Publish to the receiver's hook `name` through the official client."""
    res = stack.client.message.publish(url=stack.receiver.url(name), **options)
    assert isinstance(res, PublishResponse)
    return res


def dead_letters(stack: Stack, message_id: str) -> list[DlqMessage]:
    """The DLQ entries of one message, listed through the official client."""
    return stack.client.dlq.list(filter={"message_id": message_id}).messages


def callback_json(hit: Hit) -> dict[str, Any]:
    return json.loads(hit.body)  # type: ignore[no-any-return]


def test_delivery_carries_a_signature_the_official_receiver_accepts(stack: Stack) -> None:
    name = hook()
    res = stack.client.message.publish_json(url=stack.receiver.url(name), body={"reading": 7})
    assert isinstance(res, PublishResponse)
    stack.qstash.wait_idle()
    [hit] = stack.receiver.hits[name]
    assert hit.verified
    assert json.loads(hit.body) == {"reading": 7}
    assert hit.method == "POST"
    assert hit.headers["upstash-message-id"] == res.message_id
    assert hit.headers["upstash-retried"] == "0"
    assert hit.headers["content-type"] == "application/json"
    assert stack.qstash.messages[res.message_id].state == "DELIVERED"


def test_tampered_body_fails_verification(stack: Stack) -> None:
    name = hook()
    publish(stack, name, body="original")
    stack.qstash.wait_idle()
    [hit] = stack.receiver.hits[name]
    with pytest.raises(SignatureError):
        Receiver(CURRENT_KEY, NEXT_KEY).verify(
            signature=hit.headers["upstash-signature"],
            body="tampered",
            url=stack.receiver.url(name),
        )


def test_same_deduplication_id_is_delivered_once(stack: Stack) -> None:
    name, dedup = hook(), uuid.uuid4().hex
    first = publish(stack, name, body="a", deduplication_id=dedup)
    second = publish(stack, name, body="a", deduplication_id=dedup)
    stack.qstash.wait_idle()
    assert not first.deduplicated
    assert second.deduplicated
    assert second.message_id == first.message_id
    assert len(stack.receiver.hits[name]) == 1


def test_content_based_deduplication_delivers_identical_bodies_once(stack: Stack) -> None:
    name = hook()
    for _ in range(2):
        publish(stack, name, body="same", content_based_deduplication=True)
    stack.qstash.wait_idle()
    assert len(stack.receiver.hits[name]) == 1


def test_server_errors_are_retried_until_success(stack: Stack) -> None:
    name = hook()
    stack.receiver.plans[name] = [(500, {}), (503, {}), (200, {})]
    res = publish(stack, name, body="x", retries=3)
    stack.qstash.wait_idle()
    hits = stack.receiver.hits[name]
    assert [h.headers["upstash-retried"] for h in hits] == ["0", "1", "2"]
    assert all(h.verified for h in hits)
    message = stack.qstash.messages[res.message_id]
    assert message.state == "DELIVERED"
    assert [a.status for a in message.attempts] == [500, 503, 200]
    assert not dead_letters(stack, message.message_id)


def test_exhausted_retries_call_the_failure_callback_and_fill_the_dlq(stack: Stack) -> None:
    name, failed = hook(), hook()
    stack.receiver.plans[name] = [(500, {})]
    res = publish(
        stack,
        name,
        body="lost",
        retries=2,
        failure_callback=stack.receiver.url(failed),
        # the client only prefixes these with Upstash-Failure-Callback-; "Forward-" makes QStash pass them on
        failure_callback_headers={"Forward-X-Why": "alert", "Retries": "0"},
    )
    stack.qstash.wait_idle()
    assert len(stack.receiver.hits[name]) == 3
    [callback] = stack.receiver.hits[failed]
    assert callback.verified
    assert callback.headers["x-why"] == "alert"
    payload = callback_json(callback)
    assert payload["sourceMessageId"] == res.message_id
    assert payload["status"] == 500
    assert (payload["retried"], payload["maxRetries"]) == (2, 2)
    assert payload["url"] == stack.receiver.url(name)
    assert base64.b64decode(payload["sourceBody"]) == b"lost"
    assert base64.b64decode(payload["body"]) == b"answer"
    [dead] = dead_letters(stack, res.message_id)
    assert dead.dlq_id == payload["dlqId"]
    assert dead.response_status == 500
    assert dead.body == "lost"
    stack.client.dlq.delete(dead.dlq_id)
    assert not dead_letters(stack, res.message_id)


def test_non_retryable_error_goes_straight_to_the_failure_callback(stack: Stack) -> None:
    name, failed = hook(), hook()
    stack.receiver.plans[name] = [(489, {"Upstash-NonRetryable-Error": "true"})]
    res = publish(stack, name, body="bad", retries=3, failure_callback=stack.receiver.url(failed))
    stack.qstash.wait_idle()
    assert len(stack.receiver.hits[name]) == 1
    [callback] = stack.receiver.hits[failed]
    assert callback.verified
    assert callback_json(callback)["status"] == 489
    assert stack.qstash.messages[res.message_id].state == "FAILED"
    [dead] = dead_letters(stack, res.message_id)
    assert dead.response_status == 489


def test_489_without_the_header_is_retried(stack: Stack) -> None:
    name = hook()
    stack.receiver.plans[name] = [(489, {}), (200, {})]
    publish(stack, name, body="x", retries=1)
    stack.qstash.wait_idle()
    assert len(stack.receiver.hits[name]) == 2


def test_unreachable_destination_is_retried_then_dead_lettered(stack: Stack) -> None:
    url = f"http://127.0.0.1:{free_port()}/gone"
    res = stack.client.message.publish(url=url, body="x", retries=1)
    assert isinstance(res, PublishResponse)
    stack.qstash.wait_idle()
    assert [a.status for a in stack.qstash.messages[res.message_id].attempts] == [0, 0]
    [dead] = dead_letters(stack, res.message_id)
    assert dead.url == url


def test_rotated_keys_still_verify_with_the_old_next_key(stack: Stack) -> None:
    old_current, old_next = stack.receiver.keys
    keys = stack.client.signing_key.rotate()
    assert keys.current == old_next
    assert keys.next != old_next
    assert stack.client.signing_key.get() == keys
    stack.receiver.keys[:] = [keys.current, keys.next]
    name = hook()
    publish(stack, name, body="after rotation")
    stack.qstash.wait_idle()
    [hit] = stack.receiver.hits[name]
    assert hit.verified
    signature, url = hit.headers["upstash-signature"], stack.receiver.url(name)
    Receiver(old_current, old_next).verify(signature=signature, body="after rotation", url=url)
    with pytest.raises(SignatureError):
        Receiver(old_current, "sig_unrelated_0123456789abcdef0123456789").verify(
            signature=signature, body="after rotation", url=url
        )


def test_forwarded_headers_and_method_reach_the_destination(stack: Stack) -> None:
    name = hook()
    publish(stack, name, body="x", method="PUT", headers={"X-Trace": "abc", "Authorization": "k"})
    stack.qstash.wait_idle()
    [hit] = stack.receiver.hits[name]
    assert hit.method == "PUT"
    assert (hit.headers["x-trace"], hit.headers["authorization"]) == ("abc", "k")
    assert hit.verified


def test_delay_is_honoured(stack: Stack) -> None:
    name = hook()
    started = time.monotonic()
    publish(stack, name, body="later", delay="1s")
    time.sleep(0.3)
    assert name not in stack.receiver.hits
    stack.qstash.wait_idle()
    [hit] = stack.receiver.hits[name]
    assert hit.at - started >= 0.9


def test_pending_message_can_be_read_and_cancelled(stack: Stack) -> None:
    name = hook()
    res = publish(stack, name, body="never", delay=60)
    message = stack.client.message.get(res.message_id)
    assert (message.url, message.body, message.max_retries) == (
        stack.receiver.url(name),
        "never",
        3,
    )
    stack.client.message.cancel(res.message_id)
    stack.qstash.wait_idle(timeout=2)
    assert name not in stack.receiver.hits
    with pytest.raises(QStashError):
        stack.client.message.get(res.message_id)


def test_publish_without_the_token_is_refused(stack: Stack) -> None:
    stranger = QStash("wrong", base_url=stack.base_url, retry=False)
    with pytest.raises(QStashError, match="401"):
        stranger.message.publish(url=stack.receiver.url("x"), body="x")
    close(stranger)


def test_publish_to_something_other_than_a_url_is_refused(stack: Stack) -> None:
    with pytest.raises(QStashError, match="400"):
        stack.client.message.publish(url_group="my-group", body="x")
