"""The OpenAI stand-in's knobs: HTTP failures, invalid output, slowness, the streaming pace and stream faults."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["cut", "invalid_json", "stall"]
FAULT_KINDS: tuple[FaultKind, ...] = ("cut", "invalid_json", "stall")


@dataclass(frozen=True)
class Pace:
    """How fast a streamed reply is written: seconds to the first token, then tokens a second (None: instant)."""

    first_token_s: float = 0.0
    tokens_per_s: float | None = None

    @classmethod
    def parse(cls, text: str) -> Pace:
        """`<seconds to the first token>,<tokens a second>` (MIMI_OPENAI_PACE, e.g. `0.5,70`); empty: instant."""
        if not text.strip():
            return cls()
        first, _, rate = text.partition(",")
        pace = cls(float(first), float(rate))
        if pace.first_token_s < 0 or not pace.tokens_per_s or pace.tokens_per_s <= 0:
            raise ValueError(
                f"MIMI_OPENAI_PACE={text!r}: want <seconds >= 0>,<tokens a second > 0>"
            )
        return pace

    def due(self, token: int) -> float:
        """Seconds after the request at which the token-th token of the reply (1-based) is written."""
        if self.tokens_per_s is None:
            return 0.0
        return self.first_token_s + (token - 1) / self.tokens_per_s


@dataclass
class Fault:
    """What goes wrong in a streamed reply: the connection is `cut`, the content turns into `invalid_json`, or the
    stream `stall`s for stall_s seconds; after `after_tokens` tokens (default: half the reply; a stall: the first
    chunk). Only for requests naming `model`, or whose messages match the regex `match`; `times` requests (None:
    every one)."""

    kind: FaultKind
    after_tokens: int | None = None
    stall_s: float = 30.0
    model: str | None = None
    match: str | None = None
    times: int | None = 1

    def applies(self, body: dict[str, Any]) -> bool:
        if self.model is not None and body.get("model") != self.model:
            return False
        text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        return self.match is None or re.search(self.match, text) is not None


@dataclass
class StubControls:
    """Knobs for tests: failures, invalid output, slowness, oversized output, the pace and stream faults; every
    accepted request in `calls`."""

    api_key: str
    pace: Pace = field(default_factory=lambda: Pace())
    delay_s: float = 0.0
    overlong: bool = False
    down_status: int | None = None
    calls: list[dict[str, Any]] = field(default_factory=lambda: [])
    faults: list[Fault] = field(default_factory=lambda: [])
    _failures: list[int] = field(default_factory=lambda: [])
    _invalid: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._base_pace = self.pace

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
        """Answer the next n requests with 200 and message content that is not valid JSON (streamed or not)."""
        with self._lock:
            self._invalid += n

    def fault_stream(self, kind: FaultKind, **options: Any) -> Fault:
        """Make the next matching streamed request(s) go wrong (see Fault for the options)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown stream fault {kind!r}")
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        """Back to a healthy stub at the pace it was built with, with no recorded calls."""
        with self._lock:
            self._failures.clear()
            self._invalid = 0
            self.faults.clear()
        self.delay_s, self.overlong, self.down_status = 0.0, False, None
        self.pace = self._base_pace
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

    def take_fault(self, body: dict[str, Any]) -> Fault | None:
        """The first fault that applies to this streamed request, used up once."""
        with self._lock:
            fault = next((f for f in self.faults if f.applies(body)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            return fault


def fault_from_json(raw: bytes) -> tuple[FaultKind, dict[str, Any]]:
    """A fault posted to `/dev/faults` as JSON: its kind and options; ValueError when it is not one."""
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict) or body.get("kind") not in FAULT_KINDS:
        raise ValueError(f"kind: one of {', '.join(FAULT_KINDS)}")
    known = {"after_tokens", "stall_s", "model", "match", "times"}
    if unknown := set(body) - known - {"kind"}:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    return body["kind"], {k: v for k, v in body.items() if k in known}
