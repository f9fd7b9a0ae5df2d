"""auth: LINE login, access tokens, refresh rotation with reuse detection, logout, key rotation, rate limit."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import pytest

from mimi.auth import tokens
from mimi.config import get_settings
from mimi_local.keys import es256_jwk, public_jwk
from mimi_local.lambda_adapter import LambdaContext, build_event, load_handler
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, line_token, login


def post(stack: LocalStack, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{stack.url}/functions/auth{path}", json=body)


def test_ten_concurrent_first_logins_create_one_user_and_one_bonus(
    stack: LocalStack, sql: Any
) -> None:
    token = line_token(stack, name="Ploy")
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: post(stack, "/line", {"id_token": token}), range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    ids = {r.json()["user"]["id"] for r in responses}
    assert len(ids) == 1
    assert sum(r.json()["created"] for r in responses) == 1
    rows = sql.execute("select * from public.ledger where user_id = %s", (ids.pop(),)).fetchall()
    assert [(r["currency"], r["delta"]) for r in rows] == [("free_point", 3)]


def test_later_logins_refresh_name_only(stack: LocalStack) -> None:
    sub = "U" + secrets.token_hex(16)
    first = post(stack, "/line", {"id_token": line_token(stack, sub, name="Old")}).json()
    second = post(stack, "/line", {"id_token": line_token(stack, sub, name="New")}).json()
    assert first["user"]["id"] == second["user"]["id"]
    assert second["created"] is False
    assert second["user"]["display_name"] == "New"
    assert second["user"]["wallet"]["free_points"] == 3


def _bad_tokens(stack: LocalStack) -> Iterator[tuple[str, str, str]]:
    """(label, token, the code LINE login must answer) for each way a LINE ID token can be wrong."""
    sub, key = "U" + secrets.token_hex(16), stack.secrets["line_keys"][0]
    now = int(time.time())
    claims = {
        "iss": "https://access.line.me",
        "sub": sub,
        "aud": stack.channel_id,
        "exp": now + 600,
        "iat": now,
    }
    yield "none", jwt.encode(claims, None, algorithm="none"), "line_token_invalid"  # type: ignore[arg-type]
    yield (
        "hs256",
        jwt.encode(claims, "secret-" * 8, algorithm="HS256", headers={"kid": key["kid"]}),
        "line_token_invalid",
    )
    other = es256_jwk(key["kid"])
    yield (
        "wrong key",
        jwt.encode(claims, jwt.PyJWK(other).key, algorithm="ES256", headers={"kid": key["kid"]}),
        "line_token_invalid",
    )
    unknown = es256_jwk("unknown-kid")
    yield (
        "unknown kid",
        jwt.encode(
            claims, jwt.PyJWK(unknown).key, algorithm="ES256", headers={"kid": "unknown-kid"}
        ),
        "line_token_unknown_key",
    )
    yield "expired", line_token(stack, sub, now=now - 7200, ttl_s=600), "line_token_expired"
    yield "wrong aud", line_token(stack, sub, aud="9999999999"), "line_token_wrong_audience"
    yield "wrong iss", line_token(stack, sub, iss="https://evil.example"), "line_token_wrong_issuer"
    yield "bad sub", line_token(stack, "not-a-line-id"), "line_token_invalid"


def test_bad_line_tokens_are_refused_with_401_and_their_own_code(stack: LocalStack) -> None:
    answers, expected = {}, {}
    for label, token, code in _bad_tokens(stack):
        response = post(stack, "/line", {"id_token": token})
        problem = response.headers["content-type"].startswith("application/problem+json")
        answers[label] = (response.status_code, response.json().get("code"), problem)
        expected[label] = (401, code, True)
    assert answers == expected


def test_refresh_rotates_and_reuse_revokes_the_family(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    first = post(stack, "/refresh", {"refresh_token": session["refresh_token"]})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != session["refresh_token"]
    sql.execute(
        "update private.refresh_tokens set used_at = used_at - interval '11 seconds' where token_hash = %s",
        (hashlib.sha256(session["refresh_token"].encode()).hexdigest(),),
    )  # past the reuse interval
    reused = post(stack, "/refresh", {"refresh_token": session["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    after = post(stack, "/refresh", {"refresh_token": pair["refresh_token"]})
    assert after.status_code == 401  # the whole family is gone


def test_a_refresh_token_two_rotations_old_is_refused_even_inside_the_reuse_interval(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    second = post(stack, "/refresh", {"refresh_token": session["refresh_token"]}).json()
    third = post(stack, "/refresh", {"refresh_token": second["refresh_token"]})
    assert third.status_code == 200
    sql.execute(
        "update private.refresh_tokens set used_at = now() where token_hash = %s",
        (hashlib.sha256(session["refresh_token"].encode()).hexdigest(),),
    )  # well inside the 10 s a second tab may repeat a refresh in
    replay = post(stack, "/refresh", {"refresh_token": session["refresh_token"]})
    assert (replay.status_code, replay.json().get("code")) == (401, "refresh_token_reused")
    live = post(stack, "/refresh", {"refresh_token": third.json()["refresh_token"]})
    assert (live.status_code, live.json().get("code")) == (401, "refresh_token_invalid")


def test_an_expired_refresh_token_is_401_refresh_token_expired(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    token_hash = hashlib.sha256(session["refresh_token"].encode()).hexdigest()
    sql.execute(
        "update private.refresh_tokens set expires_at = now() - interval '1 second' where token_hash = %s",
        (token_hash,),
    )
    response = post(stack, "/refresh", {"refresh_token": session["refresh_token"]})
    assert (response.status_code, response.json().get("code")) == (401, "refresh_token_expired")
    assert "access_token" not in response.json()


def test_logout_revokes_the_session(stack: LocalStack) -> None:
    session = login(stack)
    assert post(stack, "/logout", {"refresh_token": session["refresh_token"]}).status_code == 204
    assert post(stack, "/refresh", {"refresh_token": session["refresh_token"]}).status_code == 401


def test_access_token_claims_and_gateway_acceptance(stack: LocalStack) -> None:
    session = login(stack)
    header = jwt.get_unverified_header(session["access_token"])
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert header["alg"] == "ES256"
    assert header["kid"] == stack.secrets["app_jwt_keys"][0]["kid"]
    assert claims["role"] == "authenticated"
    assert claims["sub"] == session["user"]["id"]
    assert claims["exp"] - claims["iat"] == 900
    rows = httpx.get(
        f"{stack.url}/rest/v1/users?select=id",
        headers={**bearer(session), "apikey": stack.secrets["anon_key"]},
    ).json()
    assert rows == [{"id": session["user"]["id"]}]


@pytest.fixture
def rotated_keys(stack: LocalStack) -> Iterator[dict[str, Any]]:
    """The keyset after a rotation: a new key signs, the previous one still verifies."""
    old = stack.secrets["app_jwt_keys"][0]
    new = es256_jwk("app-rotated")
    yield {"old": old, "new": new}
    _use_keys(stack.secrets["app_jwt_keys"])


def _use_keys(keys: list[dict[str, Any]]) -> None:
    os.environ["APP_JWT_KEYS"] = json.dumps(keys)
    os.environ["APP_JWT_PUBLIC_KEYS"] = json.dumps([public_jwk(k) for k in keys])
    get_settings.cache_clear()
    tokens.keyset.cache_clear()
    tokens.public_keyset.cache_clear()


def test_previous_key_still_verifies_and_a_removed_key_does_not(
    rotated_keys: dict[str, Any],
) -> None:
    old_token, _ = tokens.issue_access_token("00000000-0000-0000-0000-000000000001")
    _use_keys([rotated_keys["new"], rotated_keys["old"]])
    new_token, _ = tokens.issue_access_token("00000000-0000-0000-0000-000000000001")
    assert jwt.get_unverified_header(new_token)["kid"] == "app-rotated"
    assert tokens.verify_access_token(old_token)["sub"].endswith("1")
    _use_keys([rotated_keys["new"]])
    assert tokens.verify_access_token(new_token)
    with pytest.raises(Exception) as err:
        tokens.verify_access_token(old_token)
    assert getattr(err.value, "code", "") == "token_invalid"


def test_expired_and_foreign_access_tokens_are_refused(stack: LocalStack) -> None:
    old, _ = tokens.issue_access_token(
        "00000000-0000-0000-0000-000000000002", now=int(time.time()) - 3600
    )
    response = httpx.get(
        f"{stack.url}/functions/profile/", headers={"Authorization": f"Bearer {old}"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    hs = jwt.encode({"sub": "x", "role": "authenticated"}, "k" * 32, algorithm="HS256")
    response = httpx.get(
        f"{stack.url}/functions/profile/", headers={"Authorization": f"Bearer {hs}"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert httpx.get(f"{stack.url}/functions/profile/").json()["code"] == "auth_required"


@pytest.fixture
def login_limit_of_three() -> Iterator[int]:
    previous = os.environ["LOGIN_RATE_LIMIT"]
    os.environ["LOGIN_RATE_LIMIT"] = "3"
    get_settings.cache_clear()
    yield 3
    os.environ["LOGIN_RATE_LIMIT"] = previous
    get_settings.cache_clear()


def test_login_is_rate_limited_per_ip(stack: LocalStack, login_limit_of_three: int) -> None:
    handler = load_handler("auth")
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    body = json.dumps({"id_token": "x" * 40}).encode()
    statuses = []
    for _ in range(login_limit_of_three + 1):
        event = build_event(
            "POST", "/line", "", {"content-type": "application/json"}, body, source_ip=ip
        )
        statuses.append(handler(event, LambdaContext("auth", "r", 1e12))["statusCode"])
    assert statuses == [401] * login_limit_of_three + [429]
