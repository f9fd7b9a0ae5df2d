"""A reading draft from partial JSON: parsed with jiter's partial mode, sanitised as the final reply is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mimi.agent import ReadingDraft
from mimi.agent.client import ProviderFailed
from mimi.agent.draft import partial_reply, reading_draft
from mimi.readings.deck import DrawnCard, load_deck
from tests.agent.support import spread_of

FOOL, MAGICIAN = load_deck()[:2]
CARDS = [DrawnCard(card=FOOL, reversed=True), DrawnCard(card=MAGICIAN)]
TWO = spread_of("two", "past", "future")
EMPTY = ReadingDraft(attempt=1, provider="first")


def draft_of(text: str) -> ReadingDraft:
    return reading_draft(partial_reply(text), EMPTY, CARDS, TWO)


def test_a_reply_cut_mid_string_shows_the_string_so_far() -> None:
    draft = draft_of('{"accepted": true, "rejection": null, "header": "สวัสดีค่ะ มีมี')
    assert (draft.accepted, draft.header, draft.writing) == (True, "สวัสดีค่ะ มีมี", "header")


@pytest.mark.parametrize("text", ["", "   ", "```json\n", "{", '{"acc', '{"accepted": tr'])
def test_nothing_is_known_before_the_first_complete_value(text: str) -> None:
    assert draft_of(text) == EMPTY.model_copy(update={"writing": None})


def test_a_fenced_reply_from_a_non_strict_provider_is_read_inside_its_fence() -> None:
    assert draft_of('```json\n{"accepted": true, "header": "Hi').header == "Hi"


@pytest.mark.parametrize("text", ['{"accepted": true,, "header"', "[1, 2", "hello", '"a string"'])
def test_a_reply_that_is_not_a_json_object_fails_the_attempt(text: str) -> None:
    with pytest.raises(ProviderFailed) as caught:
        partial_reply(text)
    assert caught.value.reason == "invalid_output"


def test_no_reading_text_until_the_question_is_known_to_be_accepted() -> None:
    out_of_order = '{"header": "Hello", "reading": "The cards say", "accepted": tr'
    draft = draft_of(out_of_order)
    assert draft.accepted is None
    assert (draft.header, draft.reading) == ("", "")


def test_a_refusal_shows_no_text_and_its_rejection_only_once_complete() -> None:
    head = '{"accepted": false, "rejection": {"reason": "Sorry", "suggested_question": "What'
    partial = draft_of(head)
    assert (partial.accepted, partial.rejection, partial.writing) == (False, None, "rejection")
    whole = draft_of(head + ' now?"}, "header": "Sneaky text", "reading": "more')
    assert whole.rejection is not None
    assert whole.rejection.suggested_question == "What now?"
    assert (whole.header, whole.reading) == ("", "")


def test_partial_text_gets_the_final_caps() -> None:
    long = "ดี" * 300
    draft = draft_of(json.dumps({"accepted": True, "header": long, "suggestions": ["x " * 400]}))
    assert len(draft.header) == 200
    assert draft.header.endswith("…")
    assert len(draft.suggestions[0]) <= 300


def card(card_id: str, orientation: str, meaning: str) -> dict[str, Any]:
    return {"card_id": card_id, "position": "x", "orientation": orientation, "meaning": meaning}


def test_a_card_shows_once_named_in_its_drawn_orientation_with_our_position() -> None:
    said = [card(MAGICIAN.id, "upright", "skill"), card(FOOL.id, "reversed", "a misstep")]
    text = json.dumps({"accepted": True, "cards": said}, ensure_ascii=False)
    draft = draft_of(text[:-7])  # the last meaning cut short: "a miss
    assert [(c.card_id, c.position, c.orientation, c.meaning) for c in draft.cards] == [
        (FOOL.id, "past", "reversed", "a miss"),
        (MAGICIAN.id, "future", "upright", "skill"),
    ]


def test_a_card_read_the_wrong_way_up_or_half_named_is_not_shown() -> None:
    wrong_way = json.dumps({"accepted": True, "cards": [card(FOOL.id, "upright", "fresh start")]})
    assert draft_of(wrong_way).cards == []
    half_named = '{"accepted": true, "cards": [{"card_id": "' + MAGICIAN.id[:5]
    assert draft_of(half_named).cards == []
