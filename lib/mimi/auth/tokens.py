"""App access tokens: ES256 JWTs with `kid`; the first key of the keyset signs, every key verifies."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from mimi.config import get_settings
from mimi.errors import Unauthorized

ALGORITHM = "ES256"
REQUIRED = ["exp", "iat", "sub", "iss", "aud"]


@dataclass(frozen=True)
class Keyset:
    """Private signing keys by kid, in rotation order."""

    keys: tuple[jwt.PyJWK, ...]

    @property
    def signing(self) -> jwt.PyJWK:
        return self.keys[0]

    def by_kid(self, kid: str) -> jwt.PyJWK | None:
        return next((k for k in self.keys if k.key_id == kid), None)


def parse_keyset(raw: str) -> Keyset:
    """Read a JSON list of private ES256 JWKs (each with a kid)."""
    items: list[dict[str, Any]] = json.loads(raw)
    keys = tuple(jwt.PyJWK(item, algorithm=ALGORITHM) for item in items)
    if not keys or any(not k.key_id for k in keys):
        raise ValueError("APP_JWT_KEYS must list at least one ES256 JWK, each with a kid")
    return Keyset(keys)


@lru_cache(maxsize=1)
def keyset() -> Keyset:
    """The keyset of this process (parsed once per cold start)."""
    return parse_keyset(get_settings().app_jwt_keys.get_secret_value())


def issue_access_token(user_id: str, now: int | None = None) -> tuple[str, int]:
    """A signed access token for the user and its lifetime in seconds."""
    s = get_settings()
    issued = now if now is not None else int(time.time())
    claims = {"iss": s.app_jwt_issuer, "aud": s.app_jwt_audience, "sub": user_id, "role": "authenticated",
              "iat": issued, "exp": issued + s.access_token_ttl_s}
    key = keyset().signing
    token = jwt.encode(claims, key.key, algorithm=ALGORITHM, headers={"kid": key.key_id})
    return token, s.access_token_ttl_s


def verify_access_token(token: str) -> dict[str, Any]:
    """The claims of a valid access token; Unauthorized with a precise code otherwise."""
    s = get_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("The access token is malformed.", code="token_invalid") from None
    key = keyset().by_kid(str(header.get("kid", ""))) if header.get("alg") == ALGORITHM else None
    if key is None:
        raise Unauthorized("The access token was not signed by us.", code="token_invalid")
    try:
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=[ALGORITHM], audience=s.app_jwt_audience,
                                            issuer=s.app_jwt_issuer, options={"require": REQUIRED}, leeway=5)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; refresh it.", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The access token is not valid.", code="token_invalid") from None
    if claims.get("role") != "authenticated":
        raise Unauthorized("The access token is not a user token.", code="token_invalid")
    return claims
