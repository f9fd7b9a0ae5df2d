"""Supabase's API gateway in front of PostgREST: the project's API keys, and the publishable and secret keys."""

from __future__ import annotations

import re
import time

import jwt

from mimi_local.gateway.auth import ANON_ROLE, AuthResult, bearer_token
from mimi_local.gateway.errors import GatewayError

SECRET_KEY_PREFIX = "sb_secret_"
# Supabase's publishable and secret API keys (not JWTs): the gateway maps each to a role
API_KEY_ROLES = {"sb_publishable_": ANON_ROLE, SECRET_KEY_PREFIX: "service_role"}
# how Supabase tells a browser (its check matches on the User-Agent)
BROWSER = re.compile(r"Mozilla/|Chrome/|Safari/|Firefox/")


def check_api_key(apikey: str | None, api_keys: frozenset[str]) -> None:
    """Supabase's API gateway: no request reaches PostgREST without one of the project's API keys."""
    if not apikey:
        raise GatewayError(
            401,
            "401",
            "No API key found in request",
            hint="No `apikey` request header or url param was found.",
        )
    if apikey not in api_keys:
        raise GatewayError(
            401,
            "401",
            "Invalid API key",
            hint="Double check your Supabase `anon` or `service_role` API key.",
        )


def api_key_role(apikey: str) -> str | None:
    """The role a publishable (`sb_publishable_...`) or secret (`sb_secret_...`) key stands for; None: a JWT key."""
    for prefix, role in API_KEY_ROLES.items():
        if apikey.startswith(prefix):
            return role
    return None


def check_key_use(apikey: str, authorization: str | None, user_agent: str | None) -> None:
    """Supabase's gateway on the new API keys: a secret key never from a browser, no API key as a Bearer.

    A Bearer that is an `sb_` key other than the apikey is refused here; one equal to the apikey goes on to
    PostgREST, which refuses it as not a JWT (PGRST301), as Supabase documents ("API keys": known limitations).
    """
    if apikey.startswith(SECRET_KEY_PREFIX) and BROWSER.search(user_agent or ""):
        raise GatewayError(
            401, "401", "Secret API keys can only be used in a protected environment"
        )
    token = bearer_token(authorization, None)
    if token and api_key_role(token) is not None and token != apikey:
        raise GatewayError(
            401,
            "401",
            "Invalid Authorization header",
            hint="An API key is sent in the `apikey` header only; a Bearer token must be a JWT.",
        )


def minted(role: str) -> AuthResult:
    """What the gateway forwards for a new API key without a Bearer: a short-lived JWT naming the key's role."""
    now = int(time.time())
    return AuthResult(role, {"role": role, "iss": "supabase", "iat": now, "exp": now + 60})


def minted_jwt(role: str, secret: str, lifetime_s: int) -> str:
    """The short-lived JWT Supabase's gateway forwards in place of a publishable or secret key (to Realtime)."""
    now = int(time.time())
    claims = {"role": role, "iss": "supabase", "iat": now, "exp": now + lifetime_s}
    return jwt.encode(claims, secret, algorithm="HS256")
