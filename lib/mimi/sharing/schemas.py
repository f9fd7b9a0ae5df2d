"""Sharing payloads: what the owner sends and gets back, and the public view of a shared reading."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, StrictBool

from mimi.model import Model


class ShareCreate(Model):
    """Options of a new share link."""

    model_config = ConfigDict(extra="forbid")

    include_question: StrictBool = False


class SharedCard(Model):
    """A drawn card as the public sees it: no text written about the question."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    name_th: str
    image: str | None = None
    position: str
    position_th: str | None = None
    position_en: str | None = None
    orientation: Literal["upright", "reversed"] | None = None


class SharedReadingPublic(Model):
    """The public view behind a share link: cards, header and final answer; the question only if the owner chose."""

    model_config = ConfigDict(extra="ignore")

    language: Literal["th", "en"]
    header: str | None
    final: str | None
    cards: list[SharedCard]
    question: str | None = None


class ShareRow(SharedReadingPublic):
    """What share_reading returns: the new link's options and the reading's public view (never the question)."""

    reading_id: UUID
    include_question: bool
    created_at: datetime


class ShareCreatedPublic(Model):
    """A new link (shown once: only its hash is stored) and the Flex message for liff.shareTargetPicker."""

    reading_id: UUID
    url: str
    token: str
    include_question: bool
    created_at: datetime
    flex_message: dict[str, Any]


class SharesRevokedPublic(Model):
    reading_id: UUID
    revoked: int
