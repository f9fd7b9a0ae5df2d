"""Cold start: no garbage collection while a function's modules load, then their objects are frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Run a handler's imports with gc off (nothing they build is garbage), then freeze it all out of later scans."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
