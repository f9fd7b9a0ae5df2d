"""Login, refresh and logout: the rules; SQL does the atomic parts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from mimi.auth import repository
from mimi.auth.errors import RefreshTokenReused
from mimi.auth.line import verify_id_token
from mimi.auth.schemas import LoginPublic, TokenPair
from mimi.auth.tokens import issue_access_token
from mimi.config import get_settings
from mimi.ratelimit import enforce


def new_refresh_token() -> tuple[str, str]:
    """A 256-bit opaque token and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def successor_token(parent_hash: str) -> tuple[str, str]:
    """The token that replaces a parent, and its hash: derived, so a repeated refresh gets the same successor.

    HMAC-SHA256 keyed by a server secret: a stolen used token tells nothing about its successor without it.
    """
    secret = get_settings().refresh_token_secret.get_secret_value()
    if not secret:
        raise RuntimeError("REFRESH_TOKEN_SECRET is not set")
    digest = hmac.new(
        secret.encode(), f"refresh-successor:{parent_hash}".encode(), hashlib.sha256
    ).digest()
    token = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return token, hash_token(token)


def _limit(kind: str, ip: str) -> None:
    s = get_settings()
    enforce(kind, ip, s.login_rate_limit, s.login_rate_window_s, fail_open=True)


def login(id_token: str, ref: str | None, ip: str) -> LoginPublic:
    """Verify the LINE token, create or refresh the user, start a session."""
    _limit("login", ip)
    identity = verify_id_token(id_token)
    refresh, refresh_hash = new_refresh_token()
    result = repository.login_line_user(
        identity.sub,
        name=identity.name,
        picture=identity.picture,
        refresh_hash=refresh_hash,
        ttl_s=get_settings().refresh_token_ttl_s,
        ref=ref or None,
    )
    access, ttl = issue_access_token(str(result.user.id), language=result.user.language)
    return LoginPublic(
        access_token=access,
        refresh_token=refresh,
        expires_in=ttl,
        user=result.user,
        created=result.created,
    )


def refresh(refresh_token: str, ip: str) -> TokenPair:
    """Rotate the refresh token; a repeat within the reuse interval gets the same successor, later reuse revokes."""
    _limit("refresh", ip)
    new, new_hash = successor_token(hash_token(refresh_token))
    session = repository.refresh_session(
        hash_token(refresh_token), new_hash=new_hash, ttl_s=get_settings().refresh_token_ttl_s
    )
    if session is None:
        raise RefreshTokenReused(
            "This refresh token was already used; the session was ended. Log in again."
        )
    access, ttl = issue_access_token(str(session.user_id), language=session.language)
    return TokenPair(access_token=access, refresh_token=new, expires_in=ttl)


def logout(refresh_token: str) -> None:
    """End the session the refresh token belongs to (unknown tokens are fine: logging out is idempotent)."""
    repository.revoke_refresh_family(hash_token(refresh_token))
