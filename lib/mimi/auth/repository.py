"""The auth SQL functions (service role: there is no user token yet at login)."""

from __future__ import annotations

from typing import Any

from mimi.db import call, service_client


def login_line_user(sub: str, name: str, picture: str | None, refresh_hash: str, ttl_s: int,
                    ref: str | None) -> dict[str, Any]:
    result: dict[str, Any] = call(service_client(), "login_line_user", {
        "p_line_user_id": sub, "p_display_name": name, "p_picture_url": picture,
        "p_refresh_hash": refresh_hash, "p_refresh_ttl_s": ttl_s, "p_ref_code": ref})
    return result


def rotate_refresh_token(old_hash: str, new_hash: str, ttl_s: int) -> str | None:
    user_id = call(service_client(), "rotate_refresh_token",
                   {"p_old_hash": old_hash, "p_new_hash": new_hash, "p_ttl_s": ttl_s})
    return str(user_id) if user_id else None


def revoke_refresh_family(token_hash: str) -> bool:
    return bool(call(service_client(), "revoke_refresh_family", {"p_token_hash": token_hash}))
