"""Upstash Redis REST stand-in, backed by a private redis-server (or in-process fakeredis without one)."""

from mimi_local.redis.rest import build_app, upstash_routes
from mimi_local.redis.server import RedisBackend

__all__ = ["RedisBackend", "build_app", "upstash_routes"]
