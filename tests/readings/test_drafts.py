"""When the processor stores a draft (mimi.readings.drafts.Throttle), on a clock the test moves: a few writes a
second while a reading is written, each completed field soon after, a new attempt at once; and what is stored."""

from __future__ import annotations

from mimi.agent import ReadingDraft
from mimi.agent.schema import CardReading, Rejection
from mimi.readings.drafts import INTERVAL_S, MIN_GAP_S, Throttle, draft_json

FIELDS = ["accepted", "rejection", "header", "cards", "reading", "suggestions", "next_questions"]
FIELDS += ["final", "end", "notice", "analysis"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stream(
    throttle: Throttle, clock: Clock, drafts: list[ReadingDraft], every_s: float
) -> list[float]:
    """Offer each draft `every_s` apart, as the agent yields them; when each write happened."""
    written = []
    for draft in drafts:
        if throttle.due(draft):
            throttle.written()
            written.append(clock.now)
        clock.now += every_s
    return written


def reading_drafts(n: int, attempt: int = 1) -> list[ReadingDraft]:
    """n drafts of one attempt, the field being written moving on evenly through the schema's order."""
    return [
        ReadingDraft(
            attempt=attempt, provider="p", received=i, writing=FIELDS[i * len(FIELDS) // n]
        )
        for i in range(n)
    ]


def test_a_reading_written_at_70_tokens_a_second_is_stored_at_most_4_times_in_any_second() -> None:
    clock = Clock()
    written = stream(Throttle(clock), clock, reading_drafts(700), 1 / 70)  # ~10 s
    assert all(b - a >= MIN_GAP_S - 1e-9 for a, b in zip(written, written[1:], strict=False))
    for start in written:
        assert sum(1 for t in written if start <= t < start + 1) <= 4
    assert len(written) >= 10 / INTERVAL_S - 1  # and still every INTERVAL_S while text arrives


def test_each_completed_field_is_stored_by_the_next_draft_past_the_gap() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    first = ReadingDraft(attempt=1, provider="p", received=1, writing="header")
    assert throttle.due(first)
    throttle.written()
    clock.now += 0.1
    moved = first.model_copy(update={"writing": "cards", "received": 2})
    assert not throttle.due(moved)  # too soon after the last write
    clock.now += MIN_GAP_S - 0.1
    later = moved.model_copy(update={"received": 3})
    assert throttle.due(later)  # the completed header is stored now, before INTERVAL_S


def test_a_new_attempt_is_stored_at_once_to_clear_the_last_ones_text() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    assert stream(throttle, clock, reading_drafts(3), 0.01) == [1000.0]
    fallback = ReadingDraft(attempt=2, provider="q")
    assert throttle.due(fallback)


def test_what_is_stored_is_what_the_user_may_see_with_the_cards_by_id() -> None:
    draft = ReadingDraft(
        attempt=1,
        provider="secret-provider",
        received=99,
        writing="reading",
        accepted=True,
        header="ไพ่ของคุณ",
        cards=[
            CardReading(card_id="the_sun", position="past", orientation="upright", meaning="สว่าง")
        ],
        reading="วันนี้",
    )
    assert draft_json(draft) == {
        "writing": "reading",
        "accepted": True,
        "rejection": None,
        "header": "ไพ่ของคุณ",
        "cards": [{"id": "the_sun", "position": "past", "meaning": "สว่าง"}],
        "reading": "วันนี้",
        "suggestions": [],
        "next_questions": [],
        "final": "",
        "end": "",
        "notice": "",
    }
    refused = ReadingDraft(
        attempt=1,
        provider="p",
        accepted=False,
        rejection=Rejection(reason="r", suggested_question="q"),
    )
    assert draft_json(refused)["rejection"] == {"reason": "r", "suggested_question": "q"}
