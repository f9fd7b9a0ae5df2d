"""What the code says the stack must be: each function's settings (its router's `needs`) and its time budgets."""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

from mimi.config import SECRET_SETTINGS, LlmProvider, Settings

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = ROOT / "functions"
# every function's environment beside its own settings: its stage, its log level, optional error reporting
COMMON = frozenset({"STAGE", "LOG_LEVEL", "SENTRY_DSN"})
SECRETS, SECRETS_PATH = "SECRETS", "SECRETS_PATH"
# README "Deploying", item 4 of issue 23: (min, max) reserved concurrency; every other function shares the pool
RESERVED = {
    "reading_processor": (5, 50),
    "reconcile": (1, 1),
    "stripe_webhook": (1, 10),
    "health": (1, 5),
}
WRITING_TOKENS_PER_S = 40  # the slowest model speed a Celtic Cross must still fit in (issue 21)


@dataclass(frozen=True)
class Function:
    """One deployable function as its code declares it."""

    name: str
    needs: frozenset[str]

    @property
    def secrets(self) -> frozenset[str]:
        return self.needs & SECRET_SETTINGS

    @property
    def environment(self) -> frozenset[str]:
        """The exact names of its Lambda environment: plain settings upper-case, secrets only by name."""
        plain = {name.upper() for name in self.needs - SECRET_SETTINGS}
        return frozenset(plain | COMMON | ({SECRETS, SECRETS_PATH} if self.secrets else set()))


def router_module(name: str) -> str:
    """The module a handler takes its `router` from (read from its source, so no app is built)."""
    tree = ast.parse((FUNCTIONS / name / "handler.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "router" for a in node.names):
            return str(node.module)
    raise LookupError(f"functions/{name}/handler.py imports no router")


def functions() -> dict[str, Function]:
    """Every folder under functions/ with its router's needs."""
    found = {}
    for path in sorted(FUNCTIONS.glob("*/handler.py")):
        name = path.parent.name
        router = importlib.import_module(router_module(name)).router
        found[name] = Function(name, frozenset(router.needs))
    return found


def db_timeout_s() -> float:
    """How long a function waits for PostgREST before answering 503 (a Lambda timeout must exceed it)."""
    return float(Settings.model_fields["db_timeout_s"].default)


def celtic_cross_s() -> float:
    """The longest job the processor must fit: a first provider that stalls to its timeout, then a Celtic Cross's
    whole output budget written at WRITING_TOKENS_PER_S (see serverless.yml's comment for the arithmetic)."""
    from mimi.agent.service import LARGE_TOKEN_FACTOR

    provider = LlmProvider.model_fields
    budget = provider["max_tokens"].default * LARGE_TOKEN_FACTOR
    return float(budget / WRITING_TOKENS_PER_S + provider["timeout_s"].default + 1 + 4)
