"""What the local QStash stand-in remembers: settings, signing keys, messages, dedup ids and the DLQ."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mimi_local.qstash.model import Attempt, Message, body_fields, new_id, now_ms


@dataclass
class QStashConfig:
    """Settings of one local QStash; `backoff_scale` shrinks retry delays for tests."""

    token: str
    current_signing_key: str
    next_signing_key: str
    backoff_scale: float = 1.0
    max_concurrency: int = 8
    default_retries: int = 3
    dedup_window_s: float = 600.0
    delivery_timeout_s: float = 30.0


@dataclass
class DlqEntry:
    """A message whose retries ran out, with the last response it got."""

    dlq_id: str
    message: Message
    last: Attempt
    added_at_ms: int

    def to_json(self) -> dict[str, Any]:
        """The entry as QStash's `/v2/dlq` API shows it."""
        out = self.message.to_json() | {
            "dlqId": self.dlq_id,
            "responseStatus": self.last.status,
            "responseHeader": self.last.header,
        }
        return out | body_fields("responseBody", self.last.body)


_DLQ_FILTERS: dict[str, Callable[[DlqEntry, str], bool]] = {
    "messageId": lambda e, v: e.message.message_id == v,
    "url": lambda e, v: e.message.url == v,
    "responseStatus": lambda e, v: str(e.last.status) == v,
    "callerIp": lambda e, v: e.message.caller_ip == v,
    "fromDate": lambda e, v: e.added_at_ms >= int(v),
    "toDate": lambda e, v: e.added_at_ms <= int(v),
}


class QStashStore:
    """In-memory state; touched only from the server's event loop (tests read it once idle)."""

    def __init__(self, config: QStashConfig) -> None:
        self.config = config
        self.current_signing_key = config.current_signing_key
        self.next_signing_key = config.next_signing_key
        self.messages: dict[str, Message] = {}
        self.dlq: dict[str, DlqEntry] = {}
        self._dedup: dict[str, tuple[str, float]] = {}

    def rotate_keys(self) -> tuple[str, str]:
        """Make the next key current and mint a new next key, as QStash's key rotation does."""
        self.current_signing_key, self.next_signing_key = (
            self.next_signing_key,
            f"sig_{secrets.token_urlsafe(32)}",
        )
        return self.current_signing_key, self.next_signing_key

    def duplicate_of(self, message: Message) -> str | None:
        """The id of an earlier message with the same dedup key inside the window, if any."""
        if message.dedup_key is None:
            return None
        seen = self._dedup.get(message.dedup_key)
        if seen and time.monotonic() - seen[1] < self.config.dedup_window_s:
            return seen[0]
        return None

    def add(self, message: Message) -> None:
        """Keep a newly accepted message and claim its dedup key."""
        self.messages[message.message_id] = message
        if message.dedup_key is not None:
            self._dedup[message.dedup_key] = (message.message_id, time.monotonic())

    def to_dlq(self, message: Message, last: Attempt) -> DlqEntry:
        """Move a failed message into the dead letter queue."""
        entry = DlqEntry(dlq_id=new_id("dlq"), message=message, last=last, added_at_ms=now_ms())
        self.dlq[entry.dlq_id] = entry
        return entry

    def list_dlq(self, params: Mapping[str, str]) -> dict[str, Any]:
        """One page of DLQ entries matching QStash's list filters, oldest first."""
        found = [e for e in self.dlq.values() if _matches(e, params)]
        start = int(params.get("cursor") or 0)
        count = min(int(params.get("count") or 100), 100)
        page = found[start : start + count]
        cursor = str(start + count) if start + count < len(found) else None
        return {"messages": [e.to_json() for e in page], "cursor": cursor}


def _matches(entry: DlqEntry, params: Mapping[str, str]) -> bool:
    """True when the entry passes every filter present in params."""
    return all(check(entry, params[name]) for name, check in _DLQ_FILTERS.items() if name in params)
