"""Shared helpers for the admin and reconcile tests: admins seeded with the CLI, calls through the function URL."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from mimi_local.stack import LocalStack
from mimi_ops.admins.cli import run as admins
from tests.functions.conftest import bearer, login


def admin_url(stack: LocalStack, path: str) -> str:
    return f"{stack.url}/functions/admin{path}"


def new_admin(stack: LocalStack) -> dict[str, Any]:
    """A user logged in through auth, then made an admin as ops would: the CLI's add, as the database owner."""
    session = login(stack, name="Admin")
    assert admins(stack.pg.dsn(), "add", session["user"]["id"], "test admin")["added"] is True
    return session


def call(
    stack: LocalStack,
    session: dict[str, Any],
    method: str,
    path: str,
    *,
    json: Any = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    return httpx.request(
        method,
        admin_url(stack, path),
        json=json,
        params=params,
        timeout=30,
        headers={**bearer(session), **(headers or {})},
    )


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def adjust(
    stack: LocalStack, admin: dict[str, Any], user_id: str, key: str | None = None, **body: Any
) -> httpx.Response:
    payload = {"currency": "star", "delta": 5, "reason": "support chat #1234", **body}
    return call(
        stack,
        admin,
        "POST",
        f"/users/{user_id}/adjustments",
        json=payload,
        headers={"Idempotency-Key": key or secrets.token_hex(8)},
    )


def audit_rows(
    sql: Any, user_id: str | None = None, action: str | None = None
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = sql.execute(
        "select * from private.admin_audit where (%(u)s::uuid is null or target_user_id = %(u)s::uuid)"
        " and (%(a)s::text is null or action = %(a)s) order by id",
        {"u": user_id, "a": action},
    ).fetchall()
    return rows
