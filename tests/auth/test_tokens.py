"""App access tokens: what verify_access_token accepts and the 401 code it answers for everything else."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from mimi.auth import tokens
from mimi.config import get_settings
from mimi.errors import Unauthorized
from mimi_local.keys import es256_jwk, public_jwk

USER = "00000000-0000-0000-0000-0000000000aa"
Keys = dict[str, dict[str, Any]]


def _reload() -> None:
    get_settings.cache_clear()
    tokens.keyset.cache_clear()
    tokens.public_keyset.cache_clear()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keys]:
    """A keyset after one rotation: the current key signs, the previous one still verifies."""
    current, previous = es256_jwk("app-current"), es256_jwk("app-previous")
    monkeypatch.setenv("APP_JWT_KEYS", json.dumps([current, previous]))
    monkeypatch.setenv(
        "APP_JWT_PUBLIC_KEYS", json.dumps([public_jwk(current), public_jwk(previous)])
    )
    _reload()
    yield {"current": current, "previous": previous}
    monkeypatch.undo()
    _reload()


def claims(**changes: Any) -> dict[str, Any]:
    """Valid claims for USER with some changed; a change to None removes the claim."""
    s, now = get_settings(), int(time.time())
    base = {
        "iss": s.app_jwt_issuer,
        "aud": tokens.AUDIENCE,
        "sub": USER,
        "role": "authenticated",
        "iat": now,
        "exp": now + 900,
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def es256(key: dict[str, Any], payload: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(
        payload, jwt.PyJWK(key).key, algorithm="ES256", headers={"kid": kid or key["kid"]}
    )


def verdict(token: str) -> tuple[int, str]:
    """(200, sub) when accepted, (401, code) when refused, (500, error) for anything the app would answer 500."""
    try:
        accepted = tokens.verify_access_token(token)
    except Unauthorized as exc:
        return exc.status, exc.code
    except Exception as exc:  # noqa: BLE001 - the app factory turns any other exception into a 500
        return 500, type(exc).__name__
    return 200, str(accepted["sub"])


Case = Callable[[Keys], str]
CASES: dict[str, tuple[Case, tuple[int, str]]] = {
    "valid": (lambda k: es256(k["current"], claims()), (200, USER)),
    "signed-by-the-previous-key": (lambda k: es256(k["previous"], claims()), (200, USER)),
    "wrong-iss": (
        lambda k: es256(k["current"], claims(iss="https://evil.example")),
        (401, "token_invalid"),
    ),
    "no-iss": (lambda k: es256(k["current"], claims(iss=None)), (401, "token_invalid")),
    "wrong-aud": (
        lambda k: es256(k["current"], claims(aud="https://other.example")),
        (401, "token_invalid"),
    ),
    "no-aud": (lambda k: es256(k["current"], claims(aud=None)), (401, "token_invalid")),
    "role-service_role": (
        lambda k: es256(k["current"], claims(role="service_role")),
        (401, "token_invalid"),
    ),
    "no-role": (lambda k: es256(k["current"], claims(role=None)), (401, "token_invalid")),
    "expired": (
        lambda k: es256(
            k["current"], claims(iat=int(time.time()) - 3600, exp=int(time.time()) - 2700)
        ),
        (401, "token_expired"),
    ),
    "no-exp": (lambda k: es256(k["current"], claims(exp=None)), (401, "token_invalid")),
    "hs256-under-our-kid": (
        lambda k: jwt.encode(
            claims(), "s3cret-" * 8, algorithm="HS256", headers={"kid": k["current"]["kid"]}
        ),
        (401, "token_invalid"),
    ),
    "unknown-kid": (lambda k: es256(es256_jwk("app-unknown"), claims()), (401, "token_invalid")),
    "our-kid-another-key": (
        lambda k: es256(es256_jwk("x"), claims(), kid=k["current"]["kid"]),
        (401, "token_invalid"),
    ),
    "malformed": (lambda k: "not.a.jwt", (401, "token_invalid")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_access_token_verdict(keys: Keys, case: str) -> None:
    make, expected = CASES[case]
    assert verdict(make(keys)) == expected


def test_issued_tokens_verify_and_carry_the_app_claims(keys: Keys) -> None:
    token, ttl = tokens.issue_access_token(USER)
    header, body = (
        jwt.get_unverified_header(token),
        jwt.decode(token, options={"verify_signature": False}),
    )
    assert (header["alg"], header["kid"], ttl) == ("ES256", "app-current", 900)
    assert (body["role"], body["sub"], body["exp"] - body["iat"]) == ("authenticated", USER, 900)
    assert verdict(token) == (200, USER)
