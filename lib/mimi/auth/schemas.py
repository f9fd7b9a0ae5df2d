"""Auth payloads."""

from uuid import UUID

from pydantic import ConfigDict, Field

from mimi.model import Model
from mimi.profile.schemas import ProfilePublic


class LineLogin(Model):
    model_config = ConfigDict(extra="forbid")

    id_token: str = Field(min_length=20, max_length=8192)
    ref: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9]*$")


class RefreshRequest(Model):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=20, max_length=200)


class LoginResult(Model):
    """What login_line_user did: the user's profile, and whether the account was created now."""

    user: ProfilePublic
    created: bool


class RefreshedSession(Model):
    """What refresh_session answers: whose session it is and the language their tokens name."""

    user_id: UUID
    language: str


class TokenPair(Model):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class LoginPublic(TokenPair):
    user: ProfilePublic
    created: bool = Field(description="True on the first login, when the account was made.")
