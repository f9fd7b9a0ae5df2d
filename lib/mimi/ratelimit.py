"""Rate limits on Upstash Redis (upstash-ratelimit sliding windows)."""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache

from upstash_ratelimit import Ratelimit, SlidingWindow

from mimi.errors import RateLimited, RateLimitUnavailable
from mimi.kv import redis
from mimi.logs import log


@lru_cache(maxsize=32)
def limiter(name: str, max_requests: int, window_s: int) -> Ratelimit:
    """A sliding-window limiter, one per (name, size), reused while warm."""
    return Ratelimit(
        redis=redis(),
        limiter=SlidingWindow(max_requests=max_requests, window=window_s),
        prefix=f"mimi:rl:{name}",
    )


def enforce(
    name: str, identifier: str, max_requests: int, window_s: int, *, fail_open: bool
) -> None:
    """Count one request; 429 with Retry-After when over the limit."""
    try:
        result = limiter(name, max_requests, window_s).limit(identifier)
    except Exception as exc:  # Redis unreachable: the caller decides whether to go on
        log("rate_limit_unavailable", logging.WARNING, limit=name, error_type=type(exc).__name__)
        if fail_open:
            return
        raise RateLimitUnavailable("Please try again in a moment.") from None
    if not result.allowed:
        retry_after = max(1, math.ceil(result.reset - time.time()))
        raise RateLimited(
            f"Too many requests; try again in {retry_after} s.", retry_after_s=retry_after
        )
