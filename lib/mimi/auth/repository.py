"""The auth SQL functions (service role: there is no user token yet at login)."""

from __future__ import annotations

from mimi.auth.schemas import LoginResult, RefreshedSession
from mimi.db import call, call_as, service_client


def login_line_user(
    sub: str, *, name: str, picture: str | None, refresh_hash: str, ttl_s: int, ref: str | None
) -> LoginResult:
    """Create or refresh the LINE user and start a session with the refresh token's hash."""
    params = {
        "p_line_user_id": sub,
        "p_display_name": name,
        "p_picture_url": picture,
        "p_refresh_hash": refresh_hash,
        "p_refresh_ttl_s": ttl_s,
        "p_ref_code": ref,
    }
    return call_as(LoginResult, service_client(), "login_line_user", params)


def refresh_session(old_hash: str, *, new_hash: str, ttl_s: int) -> RefreshedSession | None:
    """Rotate the refresh token: its user and their language, or None when the token was reused."""
    found = call(
        service_client(),
        "refresh_session",
        {"p_old_hash": old_hash, "p_new_hash": new_hash, "p_ttl_s": ttl_s},
    )
    return RefreshedSession.model_validate(found) if found else None


def revoke_refresh_family(token_hash: str) -> bool:
    return bool(call(service_client(), "revoke_refresh_family", {"p_token_hash": token_hash}))
