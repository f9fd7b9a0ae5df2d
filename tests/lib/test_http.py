"""mimi.http: one TLS context per process, also for the httpx clients SDKs build for themselves."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_an_sdks_own_client_gets_the_shared_tls_context_even_before_the_pool_exists() -> None:
    """upstash-redis builds its httpx client in its constructor, before mimi.kv can hand it the shared pool.

    Run in a fresh interpreter, where nothing has built the shared pool yet (as on a cold start).
    """
    code = textwrap.dedent(
        """
        import ssl
        import httpx
        from mimi import http, kv
        loads = []
        original = ssl.SSLContext.load_verify_locations
        ssl.SSLContext.load_verify_locations = lambda self, *a, **k: (loads.append(a), original(self, *a, **k))[1]
        own = httpx.Client()  # what an SDK does in its constructor
        other = httpx.Client(verify=False)  # a client that asks for something else keeps its own
        print(len(loads), own._transport._pool._ssl_context is http.tls(),
              other._transport._pool._ssl_context is http.tls())
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1", "True", "False"]
