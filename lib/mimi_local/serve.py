"""Serve an ASGI app with uvicorn in a background thread (the dev stack and the tests' own servers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


class ThreadedServer:
    """uvicorn on host:port in a daemon thread; start() returns once it accepts connections."""

    def __init__(self, app: Any, port: int, host: str = "127.0.0.1", **config: Any) -> None:
        options = {"log_level": "warning", "access_log": False, **config}
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options))
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{port}", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self, timeout_s: float = 30) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serving(
    app: Any, port: int, host: str = "127.0.0.1", **config: Any
) -> Iterator[ThreadedServer]:
    """Run the app for the duration of a with-block."""
    server = ThreadedServer(app, port, host, **config)
    server.start()
    try:
        yield server
    finally:
        server.stop()
