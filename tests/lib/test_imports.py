"""Cold start: each function loads only what its paths need (checked in a fresh interpreter, from the source)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEVER = {
    "fastapi",
    "supabase",
    "pydantic_settings",
    "realtime",
    "storage3",
    "supabase_auth",
    "websockets",
    "bpe_openai",
    "mimi_local",
}
# heavy SDKs, allowed only in the functions that call them
ONLY_IN = {
    "stripe": {"payments", "stripe_webhook", "reconcile"},
    "openai": {"reading_processor"},
    "jwt": {
        "auth",
        "profile",
        "readings",
        "credits",
        "payments",
        "reading_processor",
        "admin",
        "reconcile",
    },
}
PROBE = """
import gc, json, sys
import functions.{name}.handler
print(json.dumps({{"modules": sorted({{m.split(".")[0] for m in sys.modules}}), "gc": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}}))
"""


def loaded(name: str) -> dict[str, object]:
    env = {"PYTHONPATH": f"{ROOT / 'lib'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(name=name)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "name", sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
)
def test_a_handler_imports_no_sdk_it_does_not_use_and_freezes_its_objects(name: str) -> None:
    probe = loaded(name)
    modules = set(probe["modules"])  # type: ignore[call-overload]
    assert not modules & NEVER, modules & NEVER
    for sdk, users in ONLY_IN.items():
        assert (sdk in modules) <= (name in users), f"{name} imports {sdk}"
    assert probe["gc"] is True
    assert isinstance(probe["frozen"], int)
    assert probe["frozen"] > 10_000
