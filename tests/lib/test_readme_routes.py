"""The README's route list names each route's error codes, read from the classes in its `errors=`."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
# function -> the module holding its route table
ROUTERS = {"health": "mimi.health.api", "auth": "mimi.auth.api", "profile": "mimi.profile.api",
           "readings": "mimi.readings.api", "reading_processor": "mimi.readings.processor_api",
           "credits": "mimi.credits.api", "payments": "mimi.payments.api",
           "stripe_webhook": "mimi.payments.webhook_api"}


def route_lines() -> list[str]:
    """One README line per route: `| function | METHOD path | status code, ... |` (codes sorted, deduplicated)."""
    lines = []
    for function, module in ROUTERS.items():
        for route in importlib.import_module(module).router.routes:
            codes = sorted({f"{e.status} {e.code}" for e in route.errors})
            lines.append(f"| {function} | {route.method} {route.path} | {', '.join(codes) or '-'} |")
    return lines


@pytest.mark.parametrize("line", route_lines())
def test_the_readme_lists_the_route_with_its_error_codes(line: str) -> None:
    assert line in README.read_text(), f"README.md's route list is missing or out of date: {line}"
