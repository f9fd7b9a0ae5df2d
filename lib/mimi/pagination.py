"""Cursor pagination: the cursor is an opaque token wrapping the last row's id (newest first)."""

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import Field

from mimi.errors import ValidationFailed
from mimi.model import Model

T = TypeVar("T")
MAX_LIMIT = 100
MAX_SEQ = 2**63 - 1  # a Postgres bigint
NOT_OURS = "cursor: not a cursor this API returned"


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"


class Page(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page."
    )


@dataclass(frozen=True)
class PageRequest:
    """A parsed page query: up to `limit` rows, newest first, after the row whose key is `after` (None: the newest)."""

    limit: int
    after: str | None


class PageQuery(Model):
    """The query of a paged list: ?limit=&cursor=, parsed into a PageRequest by by_uuid() or by_seq()."""

    limit: int = Field(
        default=20,
        json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
        description=f"Items per page, 1 to {MAX_LIMIT}.",
    )
    cursor: str | None = Field(
        default=None,
        description="The next_cursor of the previous page; left out for the first page.",
    )

    def by_uuid(self) -> PageRequest:
        """A page over a uuid key; 422 invalid_cursor, then 422 for a limit out of range."""
        after = decode_uuid_cursor(self.cursor)
        return PageRequest(limit=check_limit(self.limit), after=after)

    def by_seq(self) -> PageRequest:
        """A page over an integer key; 422 invalid_cursor, then 422 for a limit out of range."""
        after = decode_seq_cursor(self.cursor)
        return PageRequest(limit=check_limit(self.limit), after=after)


def encode_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The position a cursor points after; 422 when it was not made by us."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor(NOT_OURS) from None
    if (
        not raw
        or len(raw) > 64
        or not raw.replace("-", "").replace(":", "").replace(".", "").isalnum()
    ):
        raise InvalidCursor(NOT_OURS)
    return raw


def decode_seq_cursor(cursor: str | None) -> str | None:
    """The row number a cursor over an integer key points after; 422 when it is not one."""
    position = decode_cursor(cursor)
    # ASCII digits only: str.isdigit() also accepts Thai and superscript digits, which Postgres cannot read
    if position is not None and not (
        position.isascii() and position.isdigit() and int(position) <= MAX_SEQ
    ):
        raise InvalidCursor(NOT_OURS)
    return position


def decode_uuid_cursor(cursor: str | None) -> str | None:
    """The id a cursor over a uuid key points after; 422 when it is not one."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        return str(uuid.UUID(position))
    except ValueError:
        raise InvalidCursor(NOT_OURS) from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit: must be between 1 and {MAX_LIMIT}", code="validation_failed"
        )
    return limit


def page_of(
    rows: list[T], page: PageRequest, key: Callable[[T], object]
) -> tuple[list[T], str | None]:
    """Split limit+1 fetched rows into a page and the cursor of the next one (made from the last row's key)."""
    items = rows[: page.limit]
    more = len(rows) > page.limit
    return items, encode_cursor(key(items[-1])) if more and items else None
