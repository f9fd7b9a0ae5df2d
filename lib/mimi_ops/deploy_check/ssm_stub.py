"""An SSM endpoint for rendering the stack offline: osls resolves `${ssm:...}` against it instead of AWS.

It speaks the one call osls makes (`AmazonSSM.GetParameter`, JSON 1.1 protocol) and answers every name with a
placeholder that names the parameter. A parameter named like a secret setting answers SECRET_MARKER + its name,
so a template that ever carries a secret's value is caught by the rules (rules.check_no_secret_values).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mimi.config import SECRET_SETTINGS

SECRET_MARKER = "SECRET-VALUE-FROM-SSM:"


def placeholder(name: str) -> str:
    """The value the stub gives a parameter: JSON where the setting is JSON, the marker for a secret."""
    leaf = name.rsplit("/", 1)[-1]
    if leaf in SECRET_SETTINGS:
        return SECRET_MARKER + leaf
    if leaf in ("cors_origins", "app_jwt_public_keys"):
        return json.dumps([f"stub:{leaf}"])
    return f"stub:{leaf}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["content-length"] or 0)))
        target = self.headers.get("x-amz-target", "")
        if target != "AmazonSSM.GetParameter":
            self._send(400, {"__type": "InvalidAction", "message": f"not stubbed: {target}"})
            return
        name = str(body["Name"])
        value = placeholder(name)
        parameter = {
            "Name": name,
            "Type": "String",
            "Value": value,
            "Version": 1,
            "DataType": "text",
        }
        self._send(200, {"Parameter": parameter})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        return


@contextmanager
def serving() -> Iterator[str]:
    """Serve the stub on a free loopback port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
