"""A channel's access token, checked as Realtime checks it, with the gateway's signature verification.

Realtime (ChannelsAuthorization, JwtVerification) reads the claims, picks the key by alg and kid, verifies the
signature, refuses an `exp` that is not after now (no leeway), then requires `role` and `exp`. The signature and
key choice are the gateway's code (ES256 app tokens by kid, the project HS256 secret); `aud` is checked as the
gateway checks it, as a Realtime configured with an audience validator would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt

from mimi_local.gateway.auth import NO_SUITABLE_KEY, UNSUPPORTED_ALG, JwtVerifier, check_claims
from mimi_local.gateway.errors import GatewayError

UNKNOWN_ERROR = "Unknown Error on Channel"
CONFIRM_TOKEN_EVERY_S = (
    300  # Realtime re-checks a joined channel's token every 5 minutes, and at its exp
)


@dataclass
class TokenRefused(Exception):
    """Why a token cannot hold a channel: the join's error reason, and the message that ends a joined channel."""

    join_reason: str
    shutdown_message: str


def _refused(code: str, message: str) -> TokenRefused:
    return TokenRefused(f"{code}: {message}", message)


def malformed() -> TokenRefused:
    return _refused("MalformedJWT", "The token provided is not a valid JWT")


def expired(seconds_ago: int) -> TokenRefused:
    return _refused("InvalidJWTToken", f"Token has expired {seconds_ago} seconds ago")


def missing_claims() -> TokenRefused:
    return _refused("InvalidJWTToken", "Fields `role` and `exp` are required in JWT")


def signer_error(kid: object) -> TokenRefused:
    key = f' for key ID (kid) "{kid}"' if isinstance(kid, str) else ""
    return _refused(
        "JwtSignerError",
        f"Failed to generate JWT signer{key}, check your JWT secret or JWKS configuration",
    )


def signature_error() -> TokenRefused:
    # A refreshed token with a bad signature ends the channel with the error term itself, as Realtime does.
    return TokenRefused("JwtSignatureError: Failed to validate JWT signature", ":signature_error")


def other_error(detail: str) -> TokenRefused:
    return TokenRefused(UNKNOWN_ERROR, detail)


class TokenChecker:
    """Claims of a token a channel may use, or TokenRefused with Realtime's wording."""

    def __init__(self, verifier: JwtVerifier, audience: str | None) -> None:
        self._verifier = verifier
        self._audience = audience

    def claims(self, token: str, now: float | None = None) -> dict[str, Any]:
        """The verified claims, exp and iat rounded to integers as Realtime rounds them."""
        now = time.time() if now is None else now
        header = _peek(token)
        claims = self._verify(token, header)
        _check_expiry(claims, int(now))
        try:
            check_claims(claims, now, self._audience)
        except GatewayError as exc:
            raise other_error(exc.message) from exc
        if "role" not in claims or "exp" not in claims:
            raise missing_claims()
        return claims | {k: round(claims[k]) for k in ("exp", "iat") if k in claims}

    def _verify(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._verifier.verified_claims(token)
        except GatewayError as exc:
            if exc.message == UNSUPPORTED_ALG:
                raise signer_error(None) from exc
            if exc.message == NO_SUITABLE_KEY:
                raise signer_error(header.get("kid")) from exc
            raise signature_error() from exc


def _peek(token: str) -> dict[str, Any]:
    """The unverified header, after the claims parse as a JSON object (Realtime's peek comes first)."""
    try:
        jwt.decode(token, options={"verify_signature": False})
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise malformed() from exc
    return header


def _check_expiry(claims: dict[str, Any], now: int) -> None:
    """Joken's exp rule: a number after now, else 'expired N seconds ago'; an absent exp is left to the end."""
    exp = claims.get("exp")
    if exp is None:
        return
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise other_error("The token's `exp` is not a number")
    if exp <= now:
        raise expired(now - round(exp))


class ExpiryTimer:
    """Realtime's :confirm_token timer: calls back at the token's exp, or in 5 minutes when that comes first."""

    def __init__(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._callback = callback
        self._task: asyncio.Task[None] | None = None

    def schedule(self, exp: int) -> None:
        self.cancel()
        delay = min(CONFIRM_TOKEN_EVERY_S, exp - int(time.time()))
        self._task = asyncio.create_task(self._fire(max(delay, 0)))

    def cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _fire(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._task = None
        await self._callback()
