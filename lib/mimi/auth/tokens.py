"""App access tokens: ES256 JWTs with `kid`.

Only the auth function holds the private keys (APP_JWT_KEYS); the first one signs. Every other function verifies
with the public keys alone (APP_JWT_PUBLIC_KEYS), so none of them can mint a token, least of all one claiming
another role. Tokens carry role and aud `authenticated`, fixed here rather than configurable.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from mimi.auth.errors import TokenExpired, TokenInvalid
from mimi.config import get_settings

ALGORITHM = "ES256"
REQUIRED = ["exp", "iat", "sub", "iss", "aud"]
ROLE = AUDIENCE = "authenticated"


@dataclass(frozen=True)
class Keyset:
    """Private signing keys by kid, in rotation order."""

    keys: tuple[jwt.PyJWK, ...]

    @property
    def signing(self) -> jwt.PyJWK:
        return self.keys[0]

    def by_kid(self, kid: str) -> jwt.PyJWK | None:
        return next((k for k in self.keys if k.key_id == kid), None)


def parse_keyset(raw: str, *, private: bool = True) -> Keyset:
    """Read a JSON list of ES256 JWKs (each with a kid): private ones to sign, public ones only to verify."""
    name = "APP_JWT_KEYS" if private else "APP_JWT_PUBLIC_KEYS"
    items: list[dict[str, Any]] = json.loads(raw)
    if any(("d" in item) != private for item in items):
        raise ValueError(f"{name} must list only {'private' if private else 'public'} JWKs")
    keys = tuple(jwt.PyJWK(item, algorithm=ALGORITHM) for item in items)
    if not keys or any(not k.key_id for k in keys):
        raise ValueError(f"{name} must list at least one ES256 JWK, each with a kid")
    return Keyset(keys)


@lru_cache(maxsize=1)
def keyset() -> Keyset:
    """The private signing keys of this process (auth only; parsed once per cold start)."""
    return parse_keyset(get_settings().app_jwt_keys.get_secret_value())


@lru_cache(maxsize=1)
def public_keyset() -> Keyset:
    """The public keys every function verifies access tokens with (parsed once per cold start)."""
    return parse_keyset(get_settings().app_jwt_public_keys, private=False)


def issue_access_token(
    user_id: str, now: int | None = None, *, language: str | None = None
) -> tuple[str, int]:
    """A signed access token for the user and its lifetime in seconds; `lang` names the profile's language, so
    an error can be written in it without reading the profile."""
    s = get_settings()
    issued = now if now is not None else int(time.time())
    claims = {
        "iss": s.app_jwt_issuer,
        "aud": AUDIENCE,
        "sub": user_id,
        "role": ROLE,
        "iat": issued,
        "exp": issued + s.access_token_ttl_s,
    }
    if language is not None:
        claims["lang"] = language
    key = keyset().signing
    token = jwt.encode(claims, key.key, algorithm=ALGORITHM, headers={"kid": key.key_id})
    return token, s.access_token_ttl_s


def verify_access_token(token: str) -> dict[str, Any]:
    """The claims of a valid access token; TokenInvalid or TokenExpired otherwise."""
    s = get_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenInvalid("The access token is malformed.") from None
    key = (
        public_keyset().by_kid(str(header.get("kid", "")))
        if header.get("alg") == ALGORITHM
        else None
    )
    if key is None:
        raise TokenInvalid("The access token was not signed by us.")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=s.app_jwt_issuer,
            options={"require": REQUIRED},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired("The access token has expired; refresh it.") from None
    except jwt.PyJWTError:
        raise TokenInvalid("The access token is not valid.") from None
    if claims.get("role") != ROLE:
        raise TokenInvalid("The access token is not a user token.")
    return claims
