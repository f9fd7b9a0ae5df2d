"""The streamed reading with the real openai SDK over HTTP against two stand-ins: drafts as the reply is written,
the final result, and each stream fault falling back to the second provider as a new attempt."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mimi.agent import AgentResult, LlmUnavailable, ReadingDraft, cost_usd, stream_reading
from mimi.agent.client import complete
from mimi.agent.output import align_cards, final_output
from mimi.agent.prompt import build_messages
from mimi.config import get_settings
from mimi.readings.deck import DrawnCard
from mimi_local.openai import REJECT_MARKER
from tests.agent.support import (
    KEY_A,
    KEY_B,
    QUESTION_TH,
    THREE,
    Stubs,
    draw,
    provider,
    spread_of,
    use_providers,
)

CELTIC = spread_of(
    "celtic_cross",
    *[
        "present",
        "challenge",
        "past",
        "future",
        "above",
        "below",
        "advice",
        "surroundings",
        "hopes",
        "outcome",
    ],
)
TEXTS = ("header", "reading", "suggestions", "next_questions", "final", "end", "notice")


def events(
    question: str = QUESTION_TH, cards: list[DrawnCard] | None = None, **options: Any
) -> list[Any]:
    """Everything stream_reading yields for a Thai three-card reading (or the given cards)."""
    cards = cards or draw(3)
    spread = THREE if len(cards) == 3 else CELTIC
    return list(stream_reading(question, "th", cards, spread, **options))


def drafts(of: list[Any], attempt: int | None = None) -> list[ReadingDraft]:
    return [e for e in of if isinstance(e, ReadingDraft) and attempt in (None, e.attempt)]


def shows_text(draft: ReadingDraft) -> bool:
    return any(getattr(draft, name) for name in TEXTS) or bool(draft.cards)


def test_drafts_grow_and_the_header_arrives_before_the_reading(stubs: Stubs) -> None:
    got = events()
    result = got[-1]
    assert isinstance(result, AgentResult)
    written = drafts(got)
    assert len(written) > 20
    assert {(d.attempt, d.provider) for d in written} == {(1, "first")}
    assert written[0] == ReadingDraft(attempt=1, provider="first")  # the attempt has begun
    assert [d.received for d in written[1:]] == sorted({d.received for d in written[1:]})
    first_header = next(i for i, d in enumerate(written) if d.header)
    first_card = next(i for i, d in enumerate(written) if d.cards)
    first_reading = next(i for i, d in enumerate(written) if d.reading)
    assert first_header < first_card < first_reading
    assert all(len(b.reading) >= len(a.reading) for a, b in zip(written, written[1:], strict=False))
    assert written[-1].header == result.output.header
    assert written[-1].reading == result.output.reading
    assert written[-1].cards == result.output.cards


def test_writing_names_each_field_in_the_schema_order(stubs: Stubs) -> None:
    order = [d.writing for d in drafts(events())]
    seen = list(dict.fromkeys(w for w in order if w))
    assert seen == [
        "accepted",
        "rejection",
        "header",
        "cards",
        "reading",
        "suggestions",
        "next_questions",
        "final",
        "end",
        "notice",
        "analysis",
    ]


def test_a_card_shows_only_once_named_as_drawn_and_only_the_models_words(stubs: Stubs) -> None:
    cards = draw(10, reversals=True)
    got = events(cards=cards)
    result = got[-1]
    for draft in drafts(got):
        expected = [(c.card_id, c.position, c.orientation) for c in result.output.cards]
        assert [(c.card_id, c.position, c.orientation) for c in draft.cards] == expected[
            : len(draft.cards)
        ]
        for shown, final in zip(draft.cards, result.output.cards, strict=False):
            assert final.meaning.startswith(shown.meaning)
    assert max(len(d.cards) for d in drafts(got)) == 10


def test_the_streamed_result_is_the_whole_replys_result(stubs: Stubs) -> None:
    cards = draw(3, reversals=True)
    streamed = events(cards=cards)[-1]
    messages = build_messages(QUESTION_TH, cards, "th", THREE)
    whole = complete(get_settings().llm_providers[0], messages, 1600)
    message = whole.choices[0].message
    output = final_output(message.content or "", refused=False, finish_reason="stop", language="th")
    assert streamed.output == align_cards(output, cards, THREE, "th")
    assert whole.usage is not None
    assert (streamed.prompt_tokens, streamed.completion_tokens) == (
        whole.usage.prompt_tokens,
        whole.usage.completion_tokens,
    )
    assert (streamed.provider, streamed.model, streamed.attempt) == ("first", "gpt-4o-mini", 1)


def test_usage_comes_from_the_streams_last_chunk_and_is_priced(stubs: Stubs) -> None:
    result = events()[-1]
    call = stubs.first.calls[0]
    assert call["stream"] is True
    assert call["stream_options"] == {"include_usage": True}
    assert call["response_format"]["json_schema"]["strict"] is True
    assert result.prompt_tokens > 1000
    assert 400 < result.completion_tokens < 700
    assert 0 < cost_usd(result.prompt_tokens, result.completion_tokens, result.model) < 0.001


@pytest.mark.parametrize(
    ("kind", "options"),
    [("cut", {}), ("invalid_json", {}), ("stall", {"stall_s": 30, "after_tokens": 60})],
)
def test_a_broken_stream_falls_back_to_the_second_provider_as_attempt_two(
    stubs: Stubs, monkeypatch: pytest.MonkeyPatch, kind: str, options: dict[str, Any]
) -> None:
    use_providers(
        monkeypatch,
        [
            provider("first", f"{stubs.url}/a/v1", KEY_A, timeout_s=2),
            provider("second", f"{stubs.url}/b/v1", KEY_B),
        ],
    )
    stubs.first.fault_stream(kind, **options)  # type: ignore[arg-type]
    got = events()
    result = got[-1]
    assert (result.provider, result.attempt) == ("second", 2)
    first, second = drafts(got, 1), drafts(got, 2)
    assert any(d.header for d in first)  # the first attempt had shown text ...
    assert second[0] == ReadingDraft(attempt=2, provider="second")  # ... the second begins empty
    assert second[1].received < first[-1].received
    assert got.index(second[0]) > got.index(first[-1])
    assert {d.provider for d in second} == {"second"}
    assert len(stubs.first.calls) == len(stubs.second.calls) == 1


def test_every_provider_failing_raises_llm_unavailable_after_their_drafts(stubs: Stubs) -> None:
    stubs.first.fault_stream("cut")
    stubs.second.fault_stream("invalid_json", after_tokens=30)
    seen: list[Any] = []
    with pytest.raises(LlmUnavailable) as caught:
        for event in stream_reading(QUESTION_TH, "th", draw(3), THREE):
            seen.append(event)
    assert (caught.value.status, caught.value.code) == (503, "llm_unavailable")
    assert {d.attempt for d in drafts(seen)} == {1, 2}
    assert not any(isinstance(e, AgentResult) for e in seen)


def test_a_refused_question_never_shows_reading_text(stubs: Stubs) -> None:
    got = events(f"AI ตัวนี้ทำงานยังไง {REJECT_MARKER}")
    result = got[-1]
    assert result.output.accepted is False
    written = drafts(got)
    assert not any(shows_text(d) for d in written)
    assert [d.accepted for d in written if d.accepted is not None][0] is False
    refusals = [d.rejection for d in written if d.rejection is not None]
    assert refusals
    assert all(r == result.output.rejection for r in refusals)  # only ever the whole refusal


def test_drafts_are_capped_as_the_final_text_is(stubs: Stubs) -> None:
    stubs.first.overlong = True
    got = events()
    result = got[-1]
    written = drafts(got)
    assert max(len(d.reading) for d in written) == len(result.output.reading) <= 4000
    assert all(len(d.header) <= 200 for d in written)
    assert all(len(s) <= 300 for d in written for s in d.suggestions)
    assert written[-1].reading == result.output.reading


def test_a_provider_whose_timeout_does_not_fit_the_deadline_is_skipped(
    stubs: Stubs, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_providers(
        monkeypatch,
        [
            provider("first", f"{stubs.url}/a/v1", KEY_A, timeout_s=60),
            provider("second", f"{stubs.url}/b/v1", KEY_B, timeout_s=5),
        ],
    )
    result = events(deadline=time.monotonic() + 30)[-1]
    assert (result.provider, result.attempt) == ("second", 1)
    assert stubs.first.calls == []


def test_no_time_left_for_any_provider_is_llm_unavailable_without_a_call(stubs: Stubs) -> None:
    with pytest.raises(LlmUnavailable):
        events(deadline=time.monotonic() + 1)  # both providers allow longer to answer
    assert stubs.first.calls == stubs.second.calls == []


def test_a_stream_still_running_at_the_deadline_is_abandoned(
    stubs: Stubs, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    use_providers(
        monkeypatch,
        [
            provider("first", f"{stubs.url}/a/v1", KEY_A, timeout_s=3),
            provider("second", f"{stubs.url}/b/v1", KEY_B, timeout_s=3),
        ],
    )
    stubs.first.fault_stream("stall", stall_s=0.4, times=None)  # a chunk, then the rest 0.4 s late
    stubs.first.pace = stubs.first.pace.__class__(
        0.0, 5.0
    )  # and 5 tokens a second: minutes of reply
    with pytest.raises(LlmUnavailable):
        events(deadline=time.monotonic() + 3.5)
    assert len(stubs.first.calls) == 1
    assert stubs.second.calls == []  # past the deadline: no time left for it
