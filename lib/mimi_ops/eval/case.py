"""One golden case's result: what the runner produces and the report reads (so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mimi_ops.eval.checks import Verdict


@dataclass
class CaseResult:
    """One golden case: what was asked and drawn, the reply, the checks, latency and tokens."""

    case: dict[str, Any]
    cards: list[str]
    verdict: Verdict
    latency_ms: int
    prompt_tokens: int
    completion_tokens: int
    usage: dict[str, Any]
    usd: float
    reply: str
