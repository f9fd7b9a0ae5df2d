"""The caller's language from Accept-Language (Thai first) and the texts filled with a problem's fields."""

from __future__ import annotations

import pytest

from mimi.error_texts import TEXTS
from mimi.i18n import detail, language_of, negotiate, wait_text


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "th"),
        ("", "th"),
        ("th", "th"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("th-TH,th;q=0.9,en-US;q=0.8,en;q=0.7", "th"),
        ("en-US,th;q=0.9", "en"),
        ("th;q=0.5,en;q=0.5", "th"),  # a tie: Thai first
        ("fr-FR,fr;q=0.9", "th"),  # neither: Thai
        ("fr,en;q=0.3", "en"),
        ("*", "th"),
        ("en;q=0", "th"),
        ("en;q=abc", "th"),
        ("EN-gb", "en"),
    ],
)
def test_accept_language_picks_english_only_when_it_ranks_above_thai(
    header: str | None, language: str
) -> None:
    assert negotiate(header) == language


def test_only_th_and_en_are_languages() -> None:
    assert [language_of(v) for v in ("th", "en", "fr", None, 1)] == ["th", "en", None, None, None]


def test_a_text_is_filled_with_its_fields() -> None:
    fields = {"price": 2, "stars": 1, "free_points": 0}
    text = detail("insufficient_credits", 409, "en", fields)
    assert text == TEXTS["insufficient_credits"]["en"].format(**fields)
    assert "2" in text


def test_a_text_missing_a_field_falls_back_to_its_status_text_never_a_half_sentence() -> None:
    assert detail("insufficient_credits", 409, "th", {}) == TEXTS["conflict"]["th"]
    assert detail("rate_limited", 429, "en", {}) == TEXTS["rate_limit_unavailable"]["en"]


def test_an_unknown_code_gets_its_status_text_and_an_unknown_language_thai() -> None:
    assert detail("some_new_code", 404, "fr", {}) == TEXTS["not_found"]["th"]
    assert detail("some_new_code", 502, "en", {}) == TEXTS["service_unavailable"]["en"]


@pytest.mark.parametrize(
    ("seconds", "th", "en"),
    [
        (1, "1 วินาที", "1 second"),
        (59, "59 วินาที", "59 seconds"),
        (60, "1 นาที", "1 minute"),
        (61, "2 นาที", "2 minutes"),
        (3600, "1 ชั่วโมง", "1 hour"),
        (43201, "13 ชั่วโมง", "13 hours"),
    ],
)
def test_a_wait_is_said_as_a_person_says_it(seconds: int, th: str, en: str) -> None:
    assert (wait_text(seconds, "th"), wait_text(seconds, "en")) == (th, en)
