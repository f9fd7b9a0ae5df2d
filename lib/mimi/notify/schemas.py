"""Notification payloads: whom to push about which reading."""

from typing import Literal
from uuid import UUID

from pydantic import ConfigDict

from mimi.model import Model


class PushTarget(Model):
    """A finished reading whose owner opted in and was not pushed about it yet."""

    model_config = ConfigDict(frozen=True)

    reading_id: UUID
    status: Literal["completed", "rejected", "failed"]
    language: Literal["th", "en"]
    line_user_id: str
