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
    "mimi_ops",
    "psycopg",
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
import __future__, gc, json, sys
import functions.{name}.handler
from pydantic import BaseModel
from mimi.model import Model

def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)

BUILTIN = ("type", "builtin_function_or_method")
ours = {{m for m in models(BaseModel) if m.__module__.startswith("mimi.")}}
print(json.dumps({{"modules": sorted({{m.split(".")[0] for m in sys.modules}}), "gc": gc.isenabled(),
                  "frozen": gc.get_freeze_count(),
                  "built": sorted(f"{{m.__module__}}.{{m.__name__}}" for m in ours if m.__pydantic_complete__),
                  "not_deferred": sorted(m.__name__ for m in ours if not issubclass(m, Model)),
                  "string_annotations": sorted({{m.__module__ for m in ours if "[" not in m.__name__
                      and getattr(sys.modules[m.__module__], "annotations", None) is __future__.annotations}}),
                  "builtin_factories": sorted(f"{{m.__name__}}.{{f}}" for m in ours
                                              for f, info in m.model_fields.items()
                                              if type(info.default_factory).__name__ in BUILTIN)}}))
"""
# built while importing: the settings (validated at cold start), the generic Page that Page[X] is made from, and
# the processor's structured-output schema (sent with every reading)
BUILT_AT_IMPORT = {
    "mimi.config.Settings",
    "mimi.pagination.Page",
    "mimi.agent.schema.ReadingOutput",
    "mimi.agent.schema.Rejection",
}


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


@pytest.mark.parametrize(
    "name", sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
)
def test_a_handler_builds_no_route_model_while_importing(name: str) -> None:
    """Every model is a mimi.model.Model (built on first use), and none has a builtin default_factory.

    No module defining models has `from __future__ import annotations`: pydantic would then compile and evaluate
    every field's annotation string while creating the class (1-1.5 % of a function's cold start).
    """
    probe = loaded(name)
    assert set(probe["built"]) <= BUILT_AT_IMPORT  # type: ignore[call-overload]
    assert probe["not_deferred"] == []
    assert probe["builtin_factories"] == []
    assert probe["string_annotations"] == []
