"""JSON log lines, one per event, with the current request id. Never pass secrets here."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_logger = logging.getLogger("mimi")


class _StdoutHandler(logging.Handler):
    """Writes each line to whatever sys.stdout is now (CloudWatch on Lambda)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record) + "\n")


def configure(level: str) -> None:
    """Send mimi's log lines to stdout at the given level."""
    if not _logger.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        _logger.addHandler(handler)
        _logger.propagate = False
    _logger.setLevel(level)


def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Write one JSON line: the event name, the request id and the given fields."""
    if _logger.isEnabledFor(level):
        line = {
            "event": event,
            "level": logging.getLevelName(level).lower(),
            "request_id": request_id_var.get(),
            **fields,
        }
        _logger.log(level, json.dumps(line, ensure_ascii=False, default=str))
