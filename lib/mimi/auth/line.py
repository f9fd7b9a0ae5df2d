"""LINE ID tokens verified locally: ES256 only, keys by kid from LINE's JWKS (cached while warm)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from mimi import http
from mimi.auth.errors import (
    LineKeysUnavailable,
    LineTokenExpired,
    LineTokenInvalid,
    LineTokenUnknownKey,
    LineTokenWrongAudience,
    LineTokenWrongIssuer,
)
from mimi.config import get_settings

LINE_SUB = re.compile(r"^U[0-9a-f]{32}$")
LEEWAY_S = 10
REFETCH_AFTER_S = 60
JWKS_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class LineIdentity:
    """Who LINE says the user is."""

    sub: str
    name: str
    picture: str | None


class LineKeys:
    """LINE's signing keys: fetched once, refetched once on an unknown kid (at most once a minute)."""

    def __init__(self) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        try:
            response = http.client(JWKS_TIMEOUT_S).get(get_settings().line_jwks_url)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, jwt.PyJWTError, ValueError):
            raise LineKeysUnavailable("LINE's signing keys are unreachable; try again.") from None
        self._keys = {k.key_id: k for k in jwks.keys if k.key_id}
        self._fetched_at = time.monotonic()

    def get(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            if kid not in self._keys and (
                not self._keys or time.monotonic() - self._fetched_at > REFETCH_AFTER_S
            ):
                self._fetch()
            return self._keys.get(kid)


KEYS = LineKeys()


def _decode(token: str, key: jwt.PyJWK) -> dict[str, Any]:
    s = get_settings()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["ES256"],
            audience=s.line_channel_id,
            issuer=s.line_issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise LineTokenExpired("The LINE login has expired; log in again.") from None
    except jwt.InvalidAudienceError:
        raise LineTokenWrongAudience("The LINE token is for another channel.") from None
    except jwt.InvalidIssuerError:
        raise LineTokenWrongIssuer("The LINE token was not issued by LINE.") from None
    except jwt.PyJWTError:
        raise LineTokenInvalid("The LINE token is not valid.") from None
    return claims


def verify_id_token(token: str) -> LineIdentity:
    """Verify a LINE ID token and return the identity it proves."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise LineTokenInvalid("The LINE token is malformed.") from None
    if header.get("alg") != "ES256":
        raise LineTokenInvalid("The LINE token must be signed with ES256.")
    key = KEYS.get(str(header.get("kid", "")))
    if key is None:
        raise LineTokenUnknownKey("The LINE token was signed with an unknown key.")
    claims = _decode(token, key)
    if not LINE_SUB.match(str(claims["sub"])):
        raise LineTokenInvalid("The LINE token names no valid LINE user.")
    return LineIdentity(
        sub=str(claims["sub"]),
        name=str(claims.get("name") or "LINE user")[:100],
        picture=str(claims["picture"])[:1000] if claims.get("picture") else None,
    )
