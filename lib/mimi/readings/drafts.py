"""When the processor stores a reading being written. The agent yields a draft at every visible change (~150 for a
three-card reading); this stores a few a second, so the user sees the words as they come without a write per
token. SQL decides what a stored draft may replace and who hears it (0030, 0031)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from mimi.errors import AppError
from mimi.logs import log
from mimi.readings import repository

if TYPE_CHECKING:
    from mimi.agent import ReadingDraft

INTERVAL_S = 0.3  # while text arrives, a draft at least this often
MIN_GAP_S = 0.25  # and never two of one attempt closer than this (at most 4 writes a second)
FINAL = frozenset({"completed", "rejected", "failed"})
SHOWN = {"writing", "accepted", "rejection", "header", "reading", "suggestions", "next_questions"}
SHOWN |= {"final", "end", "notice"}


class Throttle:
    """Decides when a draft is due. A new attempt at once (its empty draft clears the last attempt's text for the
    user; once per provider tried). Then, while it writes: as soon as the field being written moves on (the one
    before it is complete), else once INTERVAL_S has passed; never sooner than MIN_GAP_S after the last write."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.written_at = -math.inf
        self.urgent = False
        self.seen: tuple[int, str | None] = (0, None)  # the last draft's attempt and field

    def due(self, draft: ReadingDraft) -> bool:
        """Whether to store this draft now (the newest always holds everything an earlier one held)."""
        attempt, _ = self.seen
        self.urgent = self.urgent or (draft.attempt, draft.writing) != self.seen
        self.seen = (draft.attempt, draft.writing)
        gap = self.clock() - self.written_at
        return draft.attempt != attempt or (gap >= MIN_GAP_S and (self.urgent or gap >= INTERVAL_S))

    def written(self) -> None:
        self.written_at, self.urgent = self.clock(), False


def draft_json(draft: ReadingDraft) -> dict[str, Any]:
    """What may be shown of a draft, as stored and broadcast: the cards by id (the app has them since submit)."""
    shown = draft.model_dump(include=SHOWN)
    shown["cards"] = [
        {"id": c.card_id, "position": c.position, "meaning": c.meaning} for c in draft.cards
    ]
    return shown


class DraftWriter:
    """Stores one delivery's drafts when the throttle says so, numbering attempts from the delivery's base; learns
    from each write whether the reading was finished elsewhere (another delivery, a refund), so the stream stops."""

    def __init__(self, reading_id: UUID, attempt_base: int, throttle: Throttle | None = None):
        self.reading_id, self.base = reading_id, attempt_base
        self.throttle = throttle or Throttle()
        self.writes, self.status = 0, "processing"

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def offer(self, draft: ReadingDraft) -> bool:
        """Take the agent's newest draft, storing it when due; False once the reading is finished (stop writing)."""
        if self.throttle.due(draft):
            self._store(draft)
        return not self.finished

    def _store(self, draft: ReadingDraft) -> None:
        """One write; a failed one is logged and skipped (the next draft holds all of it; the final store decides)."""
        self.throttle.written()
        try:
            saved = repository.save_reading_draft(
                self.reading_id,
                attempt=self.base + draft.attempt,
                received=draft.received,
                draft=draft_json(draft),
            )
        except AppError as exc:
            log(
                "reading_draft_failed",
                logging.WARNING,
                reading_id=str(self.reading_id),
                code=exc.code,
            )
            return
        self.writes += saved.stored
        self.status = saved.status
