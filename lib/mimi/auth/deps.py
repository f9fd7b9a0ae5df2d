"""The current user of a request: a verified app access token from `Authorization: Bearer`."""

from __future__ import annotations

from dataclasses import dataclass

from postgrest import SyncPostgrestClient

from mimi.auth.errors import AuthRequired
from mimi.auth.tokens import verify_access_token
from mimi.db import user_client
from mimi.i18n import language_of


@dataclass(frozen=True)
class Caller:
    """Who is calling, with a database client that acts as them (RLS applies)."""

    user_id: str
    token: str
    language: str | None = None  # the profile's language when the token was issued (claim `lang`)

    def db(self) -> SyncPostgrestClient:
        return user_client(self.token)


def current_user(authorization: str | None) -> Caller:
    """Verify the bearer token of an Authorization header; 401 problem+json when it is missing or bad."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthRequired(
            "Log in first: send Authorization: Bearer <access token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    claims = verify_access_token(token.strip())
    return Caller(
        user_id=str(claims["sub"]), token=token.strip(), language=language_of(claims.get("lang"))
    )
