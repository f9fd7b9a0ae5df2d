"""Upstash QStash v2 stand-in: publish API, signed delivery with retries and backoff, dedup ids, callbacks, DLQ."""

from mimi_local.qstash.app import build_app
from mimi_local.qstash.delivery import Dispatcher
from mimi_local.qstash.store import QStashConfig

__all__ = ["Dispatcher", "QStashConfig", "build_app"]
