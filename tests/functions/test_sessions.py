"""auth refresh with two tabs or a retried request: the same successor inside the reuse interval."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from mimi_local.stack import LocalStack
from tests.functions.conftest import login


def refresh(stack: LocalStack, token: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/functions/auth/refresh", json={"refresh_token": token})


def test_two_concurrent_refreshes_get_the_same_successor_and_the_session_lives(
    stack: LocalStack,
) -> None:
    session = login(stack)
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda _: refresh(stack, session["refresh_token"]), range(2)))
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    successors = {r.json()["refresh_token"] for r in responses}
    assert len(successors) == 1
    assert session["refresh_token"] not in successors
    assert refresh(stack, successors.pop()).status_code == 200


def test_a_retried_refresh_inside_the_interval_gets_the_same_successor(stack: LocalStack) -> None:
    session = login(stack)
    first = refresh(stack, session["refresh_token"]).json()
    again = refresh(stack, session["refresh_token"])
    assert again.status_code == 200
    assert again.json()["refresh_token"] == first["refresh_token"]
    assert again.json()["access_token"]  # a fresh access token each time


def test_reuse_after_the_interval_still_revokes_the_family(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    successor = refresh(stack, session["refresh_token"]).json()["refresh_token"]
    sql.execute(
        "update private.refresh_tokens set used_at = used_at - interval '10 seconds' where token_hash = %s",
        (hashlib.sha256(session["refresh_token"].encode()).hexdigest(),),
    )
    reused = refresh(stack, session["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    assert refresh(stack, successor).status_code == 401
