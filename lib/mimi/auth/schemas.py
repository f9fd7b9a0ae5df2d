"""Auth payloads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LineLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_token: str = Field(min_length=20, max_length=8192)
    ref: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9]*$")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=20, max_length=200)


class LoginResult(BaseModel):
    """What login_line_user did: the user's profile, and whether the account was created now."""

    user: dict[str, Any]
    created: bool


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class LoginPublic(TokenPair):
    user: dict[str, Any]
    created: bool
