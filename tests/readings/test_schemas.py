"""ReadingCreate and its cleaning functions: what counts as a question's length, what is not a question at all."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from mimi.readings.errors import ReadingNotFound
from mimi.readings.schemas import (
    ClaimedReading,
    ReadingCreate,
    clean_text,
    parse_reading_id,
    visible_text,
)

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


@pytest.mark.parametrize(
    "question",
    [
        "\u200b" * 20,  # zero-width spaces only
        ZERO_WIDTH * 4,  # every zero-width character
        BIDI * 2,  # bidi controls only
        "ab" + "\u200b" * 20,  # two letters padded to 22 code points
        "ความ" + "\u200d" * 10,  # four Thai letters padded with joiners
        "a" + "\u3000" * 12 + "b",  # ideographic spaces collapse to one: 3 characters
        "a\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0b",  # no-break spaces collapse too
        "1234567890",  # no letters
        "?!?!?!?!?!?!",  # no letters
        "\u0e48\u0e49\u0e4a\u0e4b" * 3,  # Thai tone marks alone are not letters
    ],
)
def test_invisible_or_letterless_questions_are_refused(question: str) -> None:
    with pytest.raises(ValidationError):
        ReadingCreate(question=question)


def test_thai_vowels_and_tone_marks_still_count() -> None:
    thai_ten = "รักจะดีไหม"  # 10 code points, two of them combining vowel marks (Mn)
    assert ReadingCreate(question=thai_ten).question == thai_ten
    assert ReadingCreate(question="ใครจะรักฉัน่").question == "ใครจะรักฉัน่"
    with pytest.raises(ValidationError):
        ReadingCreate(question="รักจะดีไห")  # 9 code points


def test_stored_question_drops_invisible_characters_and_collapses_spaces() -> None:
    question = ReadingCreate(question="\ufeffwill \u200bmy   love\u3000 last?\u202e").question
    assert question == "will my love last?"


@pytest.mark.parametrize(("raw", "clean"), [("  e\u0301 ", "\u00e9"), ("ok", "ok")])
def test_clean_text_is_nfc_and_trimmed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize("raw", ["a\x00b", "a\x1bb", "two\nlines"])
def test_clean_text_refuses_control_characters(raw: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        clean_text(raw)


def test_clean_text_allows_newlines_only_when_asked() -> None:
    assert clean_text("two\nlines", allow_newlines=True) == "two\nlines"


def test_visible_text_drops_format_characters_and_collapses_spaces() -> None:
    assert visible_text("a\u200b\u200db \t  c\ufeff") == "ab c"


def test_a_reading_id_is_parsed_once_and_a_non_uuid_is_not_found() -> None:
    assert parse_reading_id("0B6F1A9E-8D7C-4F5E-9A3B-2C1D0E9F8A7B") == UUID(
        "0b6f1a9e-8d7c-4f5e-9a3b-2c1d0e9f8a7b"
    )
    with pytest.raises(ReadingNotFound) as refused:
        parse_reading_id("not-a-uuid")
    assert (refused.value.status, refused.value.code) == (404, "reading_not_found")


CLAIMED = {
    "id": "0b6f1a9e-8d7c-4f5e-9a3b-2c1d0e9f8a7b",
    "status": "processing",
    "question": "What will today bring?",
    "language": "en",
    "depth": "standard",
    "spread": "three",
    "attempts": 1,
    "created_at": "2025-01-01T00:00:00+00:00",
    "updated_at": "2025-01-01T00:00:01+00:00",
}


POSITIONS = [{"key": k, "th": k, "en": k} for k in ("past", "present", "future")]
CARD = {
    "id": "the-sun",
    "name": "The Sun",
    "name_th": "พระอาทิตย์",
    "image": "major_19_the_sun.jpg",
    "position": "past",
    "position_th": "อดีต",
    "position_en": "Past",
}


@pytest.mark.parametrize(
    "drawn",
    [{}, {"positions": POSITIONS}, {"positions": POSITIONS, "cards": [CARD, CARD]}],
    ids=["nothing", "no-cards", "a-card-short"],
)
def test_a_claimed_reading_to_read_needs_a_card_in_each_position(drawn: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="cards"):
        ClaimedReading.model_validate({**CLAIMED, "final": False, **drawn})


def test_a_finished_claim_needs_no_positions_or_cards() -> None:
    claim = ClaimedReading.model_validate({**CLAIMED, "status": "completed", "final": True})
    assert (claim.positions, claim.cards) == ([], None)
