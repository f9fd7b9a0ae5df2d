"""Messages held by the local QStash stand-in, and how a publish request becomes one."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.datastructures import Headers

FORWARD = "upstash-forward-"
CALLBACK_OPTION = "upstash-callback-"
FAILURE_CALLBACK_OPTION = "upstash-failure-callback-"
_DURATION_PART = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class PublishError(ValueError):
    """A publish request the real QStash would refuse with 400."""


def new_id(prefix: str) -> str:
    """A random id in QStash's `<prefix>_<token>` shape."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"


def now_ms() -> int:
    """Unix time in milliseconds, the unit QStash's API uses."""
    return int(time.time() * 1000)


def b64(data: bytes) -> str:
    """Standard base64 text, as QStash encodes bodies in JSON."""
    return base64.b64encode(data).decode()


def parse_duration(text: str) -> float:
    """Seconds in a QStash duration such as "10s", "3m" or "1h30m"; a bare number means seconds."""
    text = text.strip()
    if text.isdigit():
        return float(text)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise PublishError(f"invalid duration: {text!r}")
    return float(sum(int(n) * _UNIT_SECONDS[u] for n, u in parts))


@dataclass
class Attempt:
    """The outcome of one delivery attempt (status 0 when no response came back)."""

    retried: int
    status: int
    header: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True for a 2xx response."""
        return 200 <= self.status < 300

    @property
    def non_retryable(self) -> bool:
        """489 with `Upstash-NonRetryable-Error: true` stops retries at once."""
        flag = self.header.get("upstash-nonretryable-error", [""])[0]
        return self.status == 489 and flag.lower() == "true"

    @classmethod
    def from_response(cls, retried: int, response: httpx.Response) -> Attempt:
        """Record an HTTP response."""
        header: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            header.setdefault(name.lower(), []).append(value)
        return cls(
            retried=retried, status=response.status_code, header=header, body=response.content
        )


@dataclass
class Message:
    """One accepted message and its delivery record."""

    url: str
    body: bytes
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    max_retries: int = 3
    not_before_ms: int = field(default_factory=now_ms)
    timeout_s: float | None = None
    callback: str | None = None
    callback_options: dict[str, str] = field(default_factory=dict)
    failure_callback: str | None = None
    failure_callback_options: dict[str, str] = field(default_factory=dict)
    dedup_key: str | None = None
    caller_ip: str = ""
    message_id: str = field(default_factory=lambda: new_id("msg"))
    created_at_ms: int = field(default_factory=now_ms)
    state: str = "CREATED"
    retried: int = 0
    attempts: list[Attempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The message as QStash's REST API shows it."""
        out: dict[str, Any] = {
            "messageId": self.message_id,
            "url": self.url,
            "method": self.method,
            "header": listed(self.headers),
            "maxRetries": self.max_retries,
            "notBefore": self.not_before_ms,
            "createdAt": self.created_at_ms,
            "callerIP": self.caller_ip,
        }
        out.update(body_fields("body", self.body))
        if self.callback:
            out |= {
                "callback": self.callback,
                "callbackHeader": listed(forwarded(self.callback_options)),
            }
        if self.failure_callback:
            out |= {"failureCallback": self.failure_callback}
            out |= {"failureCallbackHeader": listed(forwarded(self.failure_callback_options))}
        return out


def message_from_publish(
    url: str, body: bytes, headers: Headers, *, retries: int, caller_ip: str
) -> Message:
    """Read a `POST /v2/publish/<url>` request the way QStash does."""
    if not url.startswith(("http://", "https://")):
        raise PublishError(
            "destination must be a URL; URL groups and APIs are not supported locally"
        )
    timeout = headers.get("upstash-timeout")
    return Message(
        url=url,
        body=body,
        method=headers.get("upstash-method", "POST").upper(),
        headers=_delivery_headers(headers),
        max_retries=retries_header(headers.get("upstash-retries"), retries),
        not_before_ms=_not_before_ms(headers),
        timeout_s=parse_duration(timeout) if timeout else None,
        callback=headers.get("upstash-callback"),
        callback_options=_prefixed(headers, CALLBACK_OPTION),
        failure_callback=headers.get("upstash-failure-callback"),
        failure_callback_options=_prefixed(headers, FAILURE_CALLBACK_OPTION),
        dedup_key=_dedup_key(url, body, headers),
        caller_ip=caller_ip,
    )


def _delivery_headers(headers: Headers) -> dict[str, str]:
    """Forwarded headers with their prefix stripped, plus the original Content-Type."""
    out = _prefixed(headers, FORWARD)
    if "content-type" in headers:
        out["content-type"] = headers["content-type"]
    return out


def _prefixed(headers: Headers, prefix: str) -> dict[str, str]:
    """Headers named `<prefix><Name>`, keyed by Name."""
    return {
        k[len(prefix) :]: v
        for k, v in headers.items()
        if k.startswith(prefix) and len(k) > len(prefix)
    }


def forwarded(options: dict[str, str]) -> dict[str, str]:
    """The `Forward-<Name>` entries of callback options, keyed by Name."""
    return {
        k[len("forward-") :]: v
        for k, v in options.items()
        if k.startswith("forward-") and len(k) > 8
    }


def retries_header(value: str | None, default: int) -> int:
    """The Upstash-Retries header, or the default when absent."""
    if value is None:
        return default
    if not value.strip().isdigit():
        raise PublishError(f"invalid Upstash-Retries: {value!r}")
    return int(value)


def _not_before_ms(headers: Headers) -> int:
    """When delivery may start: Upstash-Not-Before (unix seconds) or now plus Upstash-Delay."""
    if not_before := headers.get("upstash-not-before"):
        if not not_before.isdigit():
            raise PublishError(f"invalid Upstash-Not-Before: {not_before!r}")
        return int(not_before) * 1000
    delay = headers.get("upstash-delay")
    return now_ms() + int(parse_duration(delay) * 1000 if delay else 0)


def _dedup_key(url: str, body: bytes, headers: Headers) -> str | None:
    """Explicit deduplication id, or a content hash when content-based deduplication is on."""
    if dedup_id := headers.get("upstash-deduplication-id"):
        return f"id:{dedup_id}"
    if headers.get("upstash-content-based-deduplication", "").lower() != "true":
        return None
    digest = hashlib.sha256(url.encode() + b"\0" + body)
    for name, value in sorted(_delivery_headers(headers).items()):
        digest.update(f"\0{name}:{value}".encode())
    return f"content:{digest.hexdigest()}"


def listed(headers: dict[str, str]) -> dict[str, list[str]]:
    """Headers in QStash's JSON shape, each value a list."""
    return {k: [v] for k, v in headers.items()}


def body_fields(name: str, data: bytes) -> dict[str, str]:
    """A body as `<name>` when it is UTF-8 text, else as `<name>Base64`."""
    try:
        return {name: data.decode()}
    except UnicodeDecodeError:
        return {f"{name}Base64": b64(data)}
