"""One TLS context and one connection pool per process, built on first use, shared by every HTTP client."""

from __future__ import annotations

import importlib
import os
import ssl
from functools import lru_cache
from typing import Any

import httpx

# In a function's zip, certifi's CA bundle also ships as an OpenSSL hashed directory beside mimi/
# (lib/mimi_ops/cacerts.py): OpenSSL then reads a root only when a handshake needs it.
CA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cacerts")


@lru_cache(maxsize=1)
def tls() -> ssl.SSLContext:
    """The process's TLS context, trusting certifi's roots.

    From the zip's hashed directory it costs about 0.2 ms; from certifi's file (a checkout, where there is no
    such directory) every root is parsed up front, 25-30 ms, which is why it is made once per process.
    """
    if os.path.isdir(CA_DIR):
        return ssl.create_default_context(capath=CA_DIR)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


@lru_cache(maxsize=1)
def transport() -> httpx.HTTPTransport:
    """The process's connection pool (HTTP/1.1: h2 is never loaded)."""
    return httpx.HTTPTransport(verify=tls())


@lru_cache(maxsize=8)
def client(timeout_s: float) -> httpx.Client:
    """A client on the shared pool with its own default timeout (a client is only a thin view on the pool)."""
    return httpx.Client(
        transport=transport(), timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0))
    )


def adopt(sdk_http: Any, timeout_s: float) -> None:
    """Point an SDK's private httpx client (upstash-redis, qstash take none as argument) at the shared pool.

    If a later SDK version keeps its client elsewhere, its own client stays: slower to start, never broken.
    """
    own = getattr(sdk_http, "_client", None)
    if not isinstance(own, httpx.Client):
        return
    sdk_http._client = client(timeout_s)
    own.close()


def _share_tls_with_sdks() -> None:
    """Let every httpx client that SDKs build with default verification reuse the one TLS context.

    upstash-redis and qstash build their own httpx.Client in their constructors, and httpx reads the CA bundle
    for each; handing them the already-built context makes that free. The context trusts the same roots httpx
    would (certifi's), so verification is unchanged. Without the hook (another httpx), they pay the cost.
    Installed when this module is imported, so it is in place before any SDK client is made.
    """
    default: Any = importlib.import_module("httpx._transports.default")
    original = default.create_ssl_context
    if getattr(original, "shared", False):  # already installed (this module imported again)
        return

    def create_ssl_context(
        verify: Any = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is True and cert is None:
            return tls()
        made: ssl.SSLContext = original(verify=verify, cert=cert, trust_env=trust_env)
        return made

    create_ssl_context.shared = True  # type: ignore[attr-defined]
    default.create_ssl_context = create_ssl_context


_share_tls_with_sdks()
