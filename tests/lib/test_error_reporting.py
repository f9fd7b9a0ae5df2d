"""Optional Sentry: off (and never imported) without SENTRY_DSN; with it, a 500's exception reaches Sentry."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A function whose one route fails with an exception holding a secret in a local variable.
PROBE = """
import json, sys
from mangum import Mangum
from mimi.app import create_app
from mimi.web import Router
from mimi_local.lambda_adapter import LambdaContext, build_event

router = Router()

@router.get("/shared/{token}")
def boom(token: str) -> None:
    secret_local = "hunter2-local-value"
    raise RuntimeError("boom " + str(len(secret_local)))

handler = Mangum(create_app("probe", router), lifespan="off")
event = build_event(
    "GET", "/shared/path-secret-value", "ref=query-secret-value",
    {"authorization": "Bearer header-secret-value", "cookie": "sid=cookie-secret-value"}, b"",
)
status = handler(event, LambdaContext("probe", "test", 1e12))["statusCode"]
loaded = "sentry_sdk" in sys.modules
if loaded:
    import sentry_sdk
    sentry_sdk.flush(timeout=10)
print(json.dumps({"status": status, "sentry_loaded": loaded}))
"""


def run_probe(code: str, **env: str) -> Any:
    """The JSON value the probe printed last (its EMF and log lines come before it)."""
    return json.loads(probe_output(code, **env).strip().splitlines()[-1])


def probe_output(code: str, **env: str) -> str:
    base = {"PYTHONPATH": f"{ROOT / 'lib'}:{ROOT}", "PATH": "/usr/bin:/bin", "STAGE": "local"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=ROOT,
        check=True,
        timeout=120,
    ).stdout


class Receiver(BaseHTTPRequestHandler):
    """A stand-in for Sentry's ingest endpoint: keeps every envelope it is sent."""

    envelopes: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        Receiver.envelopes.append(f"{self.path}\n{raw.decode('utf-8', 'replace')}")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sentry() -> Iterator[str]:
    """The DSN of a local Sentry stand-in."""
    Receiver.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    server.shutdown()


def test_without_a_dsn_a_500_loads_no_sentry_sdk_and_counts_an_unhandled_error() -> None:
    lines = probe_output(PROBE).strip().splitlines()
    assert json.loads(lines[-1]) == {"status": 500, "sentry_loaded": False}
    [emf] = [json.loads(line) for line in lines if line.startswith('{"_aws"')]
    assert emf["UnhandledErrors"] == 1
    assert emf["function"] == "probe"


@pytest.mark.parametrize(
    "name", sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
)
def test_without_a_dsn_no_handler_imports_sentry_sdk(name: str) -> None:
    code = f"import json, sys\nimport functions.{name}.handler\nprint(json.dumps('sentry_sdk' in sys.modules))"
    assert run_probe(code) is False


def test_with_a_dsn_an_unhandled_exception_is_reported_without_local_variables(sentry: str) -> None:
    assert run_probe(PROBE, SENTRY_DSN=sentry) == {"status": 500, "sentry_loaded": True}
    [envelope] = [e for e in Receiver.envelopes if '"type":"event"' in e.replace(" ", "")]
    assert envelope.startswith("/api/1/envelope/")
    assert "RuntimeError" in envelope
    assert "boom 19" in envelope
    assert '"environment":"local"' in envelope
    assert "hunter2" not in envelope  # no local variables, no request bodies, no PII
    for secret in ("header-secret", "cookie-secret", "query-secret", "path-secret"):
        assert (
            secret not in envelope
        )  # no headers, cookies, query strings or path (a share token) either


def test_an_event_keeps_only_its_requests_method() -> None:
    """On Lambda the integration adds the request URL from the event: a share link's path holds its token."""
    from mimi.error_reporting import without_request

    event = {
        "request": {
            "method": "GET",
            "url": "https://x.lambda-url.aws/shared/tok3n",
            "headers": {"a": 1},
        },
        "exception": {"values": [{"type": "RuntimeError"}]},
    }
    assert without_request(event, {}) == {
        "request": {"method": "GET"},
        "exception": {"values": [{"type": "RuntimeError"}]},
    }
