"""Pending QStash messages survive a dev-stack restart: saved at shutdown, delivered after startup."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from mimi_local.qstash.delivery import Dispatcher
from mimi_local.qstash.model import Message
from mimi_local.qstash.persist import restore_pending, save_pending
from mimi_local.qstash.store import QStashConfig

CONFIG = QStashConfig(token="t", current_signing_key="sig_current", next_signing_key="sig_next")


def test_a_pending_message_is_saved_and_resubmitted(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    later = int(time.time() * 1000) + 60_000
    message = Message(
        url="http://127.0.0.1:9/never",
        body=b'{"reading_id": "x"}',
        not_before_ms=later,
        failure_callback="http://127.0.0.1:9/failed",
        dedup_key="x",
    )

    async def before_restart() -> int:
        dispatcher = Dispatcher(CONFIG)
        dispatcher.submit(message)
        saved = save_pending(dispatcher, path)
        await dispatcher.aclose()
        return saved

    async def after_restart() -> tuple[int, Message]:
        dispatcher = Dispatcher(CONFIG)
        restored = restore_pending(dispatcher, path)
        again = dispatcher.messages[message.message_id]
        pending = dispatcher.is_pending(message.message_id)
        await dispatcher.aclose()
        assert pending
        return restored, again

    assert asyncio.run(before_restart()) == 1
    restored, again = asyncio.run(after_restart())
    assert restored == 1
    assert not path.exists()
    assert (again.url, again.body, again.not_before_ms, again.failure_callback) == (
        message.url,
        message.body,
        later,
        message.failure_callback,
    )


def test_nothing_saved_means_nothing_restored(tmp_path: Path) -> None:
    async def scenario() -> int:
        return restore_pending(Dispatcher(CONFIG), tmp_path / "none.json")

    assert asyncio.run(scenario()) == 0
