"""Delivery of local QStash messages: signed requests, retries with backoff, callbacks and the DLQ."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import ssl
import time

import httpx
import jwt

from mimi_local.qstash.callbacks import callback_body, callback_message
from mimi_local.qstash.model import Attempt, Message, new_id
from mimi_local.qstash.store import DlqEntry, QStashConfig, QStashStore

SIGNATURE_TTL_S = 300
MAX_BACKOFF_S = 86400.0


def sign(key: str, url: str, body: bytes) -> str:
    """The `Upstash-Signature` JWT for delivering body to url, signed with key."""
    issued = int(time.time())
    claims = {
        "iss": "Upstash",
        "sub": url,
        "iat": issued,
        "nbf": issued,
        "exp": issued + SIGNATURE_TTL_S,
        "jti": new_id("jwt"),
        "body": base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode(),
    }
    return jwt.encode(claims, key, algorithm="HS256")


def backoff_s(retried: int, scale: float) -> float:
    """QStash's default delay before retry number `retried`: min(1 day, e^(2.5 n)) seconds, scaled."""
    return min(MAX_BACKOFF_S, math.exp(2.5 * retried)) * scale


class Dispatcher:
    """Runs deliveries as tasks on the server's event loop and tracks what is still pending."""

    def __init__(self, config: QStashConfig) -> None:
        self.config = config
        self.store = QStashStore(config)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._tls = (
            ssl.create_default_context()
        )  # built once: a fresh client per attempt is then cheap

    @property
    def messages(self) -> dict[str, Message]:
        """Every accepted message by id, with its attempts."""
        return self.store.messages

    @property
    def dlq(self) -> dict[str, DlqEntry]:
        """Dead-lettered messages by DLQ id."""
        return self.store.dlq

    def rotate_keys(self) -> tuple[str, str]:
        """Make the next signing key current; returns (current, next)."""
        return self.store.rotate_keys()

    def submit(self, message: Message) -> None:
        """Accept a message and start delivering it in the background."""
        self.store.add(message)
        task = asyncio.get_running_loop().create_task(self._run(message))
        self._running[message.message_id] = task
        task.add_done_callback(lambda _: self._running.pop(message.message_id, None))

    def cancel(self, message_id: str) -> bool:
        """Stop a message that has not been delivered yet; False when there is none."""
        task = self._running.get(message_id)
        if task is None:
            return False
        task.cancel()
        self.store.messages[message_id].state = "CANCELLED"
        return True

    def pending_messages(self) -> list[Message]:
        """The messages still waiting for or going through delivery."""
        return [self.store.messages[i] for i in list(self._running) if i in self.store.messages]

    def is_pending(self, message_id: str) -> bool:
        """True while a message is waiting for or going through delivery."""
        return message_id in self._running

    async def drain(self) -> None:
        """Wait, inside the server's loop, until no delivery is pending."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block another thread until no delivery is pending; TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while self._running:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self._running)} QStash deliveries still pending")
            time.sleep(0.005)

    async def aclose(self) -> None:
        """Cancel pending deliveries (at server shutdown)."""
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _run(self, message: Message) -> None:
        """Deliver until success, a non-retryable answer, or retries run out."""
        await asyncio.sleep(max(0.0, message.not_before_ms / 1000 - time.time()))
        while True:
            attempt = await self._attempt(message)
            if message.callback:
                self._spawn_callback(message.callback, message.callback_options, message, attempt)
            if attempt.ok:
                message.state = "DELIVERED"
                return
            if attempt.non_retryable or message.retried >= message.max_retries:
                self._give_up(message, attempt)
                return
            message.retried += 1
            message.state = "RETRY"
            await asyncio.sleep(backoff_s(message.retried, self.config.backoff_scale))

    async def _attempt(self, message: Message) -> Attempt:
        """One signed HTTP request to the destination."""
        message.state = "ACTIVE"
        timeout = message.timeout_s or self.config.delivery_timeout_s
        async with self._slots_for_loop(), httpx.AsyncClient(verify=self._tls) as client:
            try:
                response = await client.request(
                    message.method,
                    message.url,
                    content=message.body,
                    headers=self._signed_headers(message),
                    timeout=timeout,
                )
            except httpx.HTTPError as exc:
                attempt = Attempt(
                    retried=message.retried, status=0, error=f"{type(exc).__name__}: {exc}"
                )
            else:
                attempt = Attempt.from_response(message.retried, response)
        message.attempts.append(attempt)
        return attempt

    def _signed_headers(self, message: Message) -> dict[str, str]:
        """What QStash adds to the forwarded headers, signed with the key current at send time."""
        return message.headers | {
            "upstash-signature": sign(self.store.current_signing_key, message.url, message.body),
            "upstash-message-id": message.message_id,
            "upstash-retried": str(message.retried),
            "upstash-caller-ip": message.caller_ip,
            "user-agent": "Upstash-QStash",
        }

    def _give_up(self, message: Message, last: Attempt) -> None:
        """Dead-letter the message and tell its failure callback."""
        message.state = "FAILED"
        entry = self.store.to_dlq(message, last)
        if message.failure_callback:
            options = message.failure_callback_options
            self._spawn_callback(message.failure_callback, options, message, last, entry.dlq_id)

    def _spawn_callback(
        self,
        url: str,
        options: dict[str, str],
        source: Message,
        attempt: Attempt,
        dlq_id: str | None = None,
    ) -> None:
        """Publish a callback message about an attempt, as QStash does."""
        self.submit(callback_message(url, options, callback_body(source, attempt, dlq_id), source))

    def _slots_for_loop(self) -> asyncio.Semaphore:
        """The concurrency limit, made anew when the app is served from a different event loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.config.max_concurrency)
        return self._slots
