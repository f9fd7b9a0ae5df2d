"""auth routes: POST /line, POST /refresh, POST /logout."""

from __future__ import annotations

from mimi.auth import service
from mimi.auth.errors import (
    LineKeysUnavailable,
    LineTokenExpired,
    LineTokenInvalid,
    LineTokenUnknownKey,
    LineTokenWrongAudience,
    LineTokenWrongIssuer,
    RefreshTokenExpired,
    RefreshTokenInvalid,
    RefreshTokenReused,
)
from mimi.auth.schemas import LineLogin, LoginPublic, RefreshRequest, TokenPair
from mimi.errors import RateLimited
from mimi.web import Router

router = Router(
    needs=(
        "cors_origins",
        "supabase_url",
        "supabase_service_role_key",
        "upstash_redis_rest_url",
        "upstash_redis_rest_token",
        "line_channel_id",
        "line_jwks_url",
        "app_jwt_keys",
        "app_jwt_issuer",
        "refresh_token_secret",
    )
)

LOGIN_ERRORS = (
    LineTokenInvalid,
    LineTokenExpired,
    LineTokenWrongAudience,
    LineTokenWrongIssuer,
    LineTokenUnknownKey,
    RateLimited,
    LineKeysUnavailable,
)
REFRESH_ERRORS = (RefreshTokenInvalid, RefreshTokenExpired, RefreshTokenReused, RateLimited)


@router.post("/line", body=LineLogin, response=LoginPublic, errors=LOGIN_ERRORS)
def line_login(body: LineLogin, client_ip: str) -> LoginPublic:
    """Log in with a LINE ID token: the user is created on first login."""
    return service.login(body.id_token, body.ref, client_ip)


@router.post("/refresh", body=RefreshRequest, response=TokenPair, errors=REFRESH_ERRORS)
def refresh(body: RefreshRequest, client_ip: str) -> TokenPair:
    """Trade a refresh token for a new pair (rotation; a reused token ends the session)."""
    return service.refresh(body.refresh_token, client_ip)


@router.post("/logout", body=RefreshRequest, status=204)
def logout(body: RefreshRequest) -> None:
    """End the session of a refresh token."""
    service.logout(body.refresh_token)
