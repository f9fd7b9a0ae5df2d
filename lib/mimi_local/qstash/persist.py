"""Pending QStash messages kept across dev-stack restarts: written at shutdown, delivered again at startup."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from mimi_local.qstash.delivery import Dispatcher
from mimi_local.qstash.model import Message

SKIPPED = {"attempts", "state"}  # a restored message starts a fresh delivery record


def _to_json(message: Message) -> dict[str, Any]:
    data = {k: v for k, v in asdict(message).items() if k not in SKIPPED}
    data["body"] = base64.b64encode(message.body).decode()
    return data


def _from_json(data: dict[str, Any]) -> Message:
    known = {f.name for f in fields(Message)} - SKIPPED
    values = {k: v for k, v in data.items() if k in known}
    values["body"] = base64.b64decode(values["body"])
    return Message(**values)


def save_pending(dispatcher: Dispatcher, path: Path) -> int:
    """Write every message still waiting for delivery; returns how many."""
    pending = [_to_json(m) for m in dispatcher.pending_messages()]
    path.write_text(json.dumps(pending))
    return len(pending)


def restore_pending(dispatcher: Dispatcher, path: Path) -> int:
    """Resubmit the messages saved at the last shutdown (inside the server's loop); returns how many."""
    if not path.exists():
        return 0
    saved: list[dict[str, Any]] = json.loads(path.read_text())
    for data in saved:
        dispatcher.submit(_from_json(data))
    path.unlink()
    return len(saved)
