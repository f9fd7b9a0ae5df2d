"""Upstash Redis over REST (sync client, reused while the Lambda is warm)."""

from __future__ import annotations

from functools import lru_cache

from upstash_redis import Redis

from mimi import http
from mimi.config import get_settings

# A rate-limit check must fail (then open or closed, as its caller decides) well inside the Lambda's budget.
REDIS_TIMEOUT_S = 3.0


def redis() -> Redis:
    """The Upstash Redis client of this process, on the shared connection pool."""
    s = get_settings()
    return _client(s.upstash_redis_rest_url, s.upstash_redis_rest_token.get_secret_value())


def readonly_redis() -> Redis:
    """A client with the read-only token: it can read and PING, never write (health)."""
    s = get_settings()
    return _client(s.upstash_redis_rest_url, s.upstash_redis_rest_readonly_token.get_secret_value())


@lru_cache(maxsize=4)
def _client(url: str, token: str) -> Redis:
    """One client per URL and token (rebuilt only when the settings change)."""
    client = Redis(
        url=url,
        token=token,
        rest_retries=1,
        rest_retry_interval=0.2,
        allow_telemetry=False,
    )
    http.adopt(client._http, REDIS_TIMEOUT_S)
    return client
