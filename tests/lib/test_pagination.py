"""Cursor decoding and page parsing: pure functions, no database."""

from __future__ import annotations

import uuid

import pytest

from mimi.errors import ValidationFailed
from mimi.pagination import (
    MAX_SEQ,
    InvalidCursor,
    PageQuery,
    PageRequest,
    decode_cursor,
    decode_seq_cursor,
    decode_uuid_cursor,
    encode_cursor,
    page_of,
)

RID = "0b6f1a9e-8d7c-4f5e-9a3b-2c1d0e9f8a7b"


def test_a_cursor_round_trips_without_padding() -> None:
    cursor = encode_cursor(RID)
    assert "=" not in cursor
    assert decode_cursor(cursor) == RID


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_newest_page(cursor: str | None) -> None:
    assert (decode_uuid_cursor(cursor), decode_seq_cursor(cursor)) == (None, None)


@pytest.mark.parametrize(
    "cursor",
    ["%%%", encode_cursor("a b"), encode_cursor("x" * 65), "_w", "AA"],
    ids=["not-base64", "space", "too-long", "not-utf8", "nul-byte"],
)
def test_a_cursor_we_did_not_make_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor)
    assert (refused.value.status, refused.value.code) == (422, "invalid_cursor")


@pytest.mark.parametrize("position", ["12a", "๑๒", "²", str(MAX_SEQ + 1), "-1"])
def test_a_seq_cursor_is_ascii_digits_within_a_bigint(position: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_seq_cursor(encode_cursor(position))


def test_a_seq_cursor_at_the_bigint_limit_is_accepted() -> None:
    assert decode_seq_cursor(encode_cursor(MAX_SEQ)) == str(MAX_SEQ)


def test_a_uuid_cursor_is_canonicalised_and_anything_else_refused() -> None:
    assert decode_uuid_cursor(encode_cursor(RID.upper())) == RID
    with pytest.raises(InvalidCursor):
        decode_uuid_cursor(encode_cursor("12345"))


@pytest.mark.parametrize("limit", [0, 101, -5])
def test_a_limit_outside_1_to_100_is_refused(limit: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        PageQuery(limit=limit).by_seq()
    assert (refused.value.code, refused.value.detail) == (
        "validation_failed",
        "limit: must be between 1 and 100",
    )


def test_a_bad_cursor_is_reported_before_a_bad_limit() -> None:
    with pytest.raises(InvalidCursor):
        PageQuery(limit=0, cursor="%%%").by_uuid()


def test_a_page_query_parses_into_a_page_request() -> None:
    assert PageQuery(limit=5, cursor=encode_cursor(7)).by_seq() == PageRequest(limit=5, after="7")
    assert PageQuery().by_uuid() == PageRequest(limit=20, after=None)


def test_page_of_returns_limit_rows_and_the_cursor_of_the_last_when_there_are_more() -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    items, cursor = page_of(ids, PageRequest(limit=3, after=None), key=str)
    assert items == ids[:3]
    assert cursor is not None
    assert decode_uuid_cursor(cursor) == str(ids[2])


def test_page_of_the_last_page_has_no_cursor() -> None:
    assert page_of([1, 2], PageRequest(limit=2, after=None), key=int) == ([1, 2], None)
