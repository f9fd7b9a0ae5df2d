"""What the agent tests share: questions, spreads, and two stand-in providers configured as `first`, `second`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from mimi.agent import Position, Spread
from mimi.agent.client import clear_clients
from mimi.config import get_settings
from mimi.readings.deck import DrawnCard, draw_oriented
from mimi_local.openai import StubControls

KEY_A, KEY_B = "sk-test-first", "sk-test-second"
QUESTION_TH = "ความรักของฉันกับแฟนจะไปต่อได้ไหมในปีนี้"
QUESTION_EN = "Will I get the new job I applied for this month?"


def spread_of(spread_id: str, *keys: str) -> Spread:
    return Spread(spread_id, tuple(Position(key, key, key.title()) for key in keys))


THREE = spread_of("three", "past", "present", "future")
FIVE = spread_of("five", "situation", "obstacle", "hidden_influence", "advice", "outcome")
TEN = spread_of("celtic_cross", *(f"p{i}" for i in range(10)))
DAILY = spread_of("daily", "today")


def draw(n: int, *, reversals: bool = False) -> list[DrawnCard]:
    return draw_oriented(n, reversals=reversals)


@dataclass
class Stubs:
    url: str
    first: StubControls
    second: StubControls


def provider(name: str, base_url: str, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "base_url": base_url,
        "api_key": key,
        "model": "gpt-4o-mini",
        "timeout_s": 20,  # a bound for a hung stand-in on a busy machine; fault tests set their own
        **extra,
    }


def use_providers(monkeypatch: pytest.MonkeyPatch, providers: list[dict[str, Any]]) -> None:
    monkeypatch.setenv("LLM_PROVIDERS", json.dumps(providers))
    get_settings.cache_clear()
    clear_clients()
