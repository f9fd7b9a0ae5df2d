"""Helpers for function tests: log a dev user in through the real auth function."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.line import issue_id_token

if TYPE_CHECKING:  # annotations only: SQL-only test sessions need not import the stack
    import httpx

    from mimi_local.stack import LocalStack


def line_token(
    stack: LocalStack, sub: str | None = None, name: str = "Mali", **overrides: Any
) -> str:
    sub = sub or "U" + secrets.token_hex(16)
    return issue_id_token(stack.secrets["line_keys"][0], stack.channel_id, sub, name, **overrides)


def login(
    stack: LocalStack,
    name: str = "Mali",
    ref: str | None = None,
    *,
    sub: str | None = None,
    picture: str | None = None,
) -> dict[str, Any]:
    """Log a dev LINE user in through the real auth function (a new LINE user id unless `sub` is given)."""
    import httpx

    body: dict[str, Any] = {"id_token": line_token(stack, sub=sub, name=name, picture=picture)}
    if ref:
        body["ref"] = ref
    response = httpx.post(f"{stack.url}/functions/auth/line", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


def refusal(response: httpx.Response) -> tuple[int, str | None]:
    """(status, problem code), read so that it never raises: a refusal test compares both first, and a success's
    body (or one that is not JSON) fails that comparison instead of dying on a missing key."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None
    return response.status_code, body.get("code") if isinstance(body, dict) else None


def rpc_refusal(response: httpx.Response) -> tuple[int, str | None]:
    """(status, our code) of a direct /rest/v1/rpc call, read as safely: PostgREST puts the code in `message`."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None
    return response.status_code, body.get("message") if isinstance(body, dict) else None


@pytest.fixture(scope="module", autouse=True)
def ledger_invariant(stack: LocalStack) -> Iterator[None]:
    """At the end of every test module: each wallet equals the sum of its ledger rows, per currency."""
    yield
    with psycopg.connect(stack.pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        mismatches = conn.execute("select * from public.ledger_mismatches()").fetchall()
    assert mismatches == [], f"ledger invariant broken: {mismatches}"
