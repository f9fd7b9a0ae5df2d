"""Who may read and write a private topic: the RLS policies on realtime.messages, run as the joining user.

As Realtime's Authorization module: in a transaction that is always rolled back, a read check inserts one probe
row per extension for the topic (as the server, bypassing RLS), switches to the token's role with
request.jwt.claims and realtime.topic set, and sees which probe rows the user's SELECT policies let through; a
write check inserts a row as the user, and a row-level security refusal (42501) means no.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

_AS_USER_SQL = """
select pg_catalog.set_config('role', %(role)s, true),
       pg_catalog.set_config('realtime.topic', %(topic)s, true),
       pg_catalog.set_config('request.jwt.claims', %(claims)s, true),
       pg_catalog.set_config('request.jwt.claim.sub', %(sub)s, true),
       pg_catalog.set_config('request.jwt.claim.role', %(role)s, true),
       pg_catalog.set_config('request.headers', %(headers)s, true)
"""
_PROBE_SQL = "insert into realtime.messages (id, topic, extension) values (%s, %s, %s)"
_SEEN_SQL = "select id from realtime.messages where id = any(%s)"


class DatabaseUnavailable(Exception):
    """The project database could not be reached (Realtime: UnableToConnectToProject)."""


class PolicyError(Exception):
    """A policy raised or the role could not be taken (Realtime: RlsPolicyError, so unauthorized)."""


@dataclass(frozen=True)
class AuthContext:
    """What the policies see: the topic (without `realtime:`), the claims and the socket's x- headers."""

    topic: str
    claims: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        sub = self.claims.get("sub")
        return {
            "role": str(self.claims.get("role")),
            "topic": self.topic,
            "claims": json.dumps(self.claims, separators=(",", ":")),
            "sub": None if sub is None else str(sub),
            "headers": json.dumps(self.headers),
        }


@dataclass
class Policies:
    """Read and write per extension; None until checked."""

    broadcast_read: bool | None = None
    broadcast_write: bool | None = None
    presence_read: bool | None = None


class Authorizer:
    """Runs the checks on a small pool (connections as the authenticator role; the probe rows as service_role)."""

    def __init__(self, dsn: str) -> None:
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            dsn, min_size=1, max_size=4, open=False, kwargs={"autocommit": True}, timeout=10
        )

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    @property
    def pool(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        return self._pool

    async def read(self, ctx: AuthContext, *, presence: bool) -> Policies:
        """Broadcast read (and presence read when the join enables presence), from the SELECT policies."""
        probes = {"broadcast": uuid.uuid4()} | ({"presence": uuid.uuid4()} if presence else {})
        async with self._rolled_back() as conn:
            await conn.execute("set local role service_role")
            for extension, probe_id in probes.items():
                await conn.execute(_PROBE_SQL, (probe_id, ctx.topic, extension))
            await conn.execute(_AS_USER_SQL, ctx.settings())
            rows = await (await conn.execute(_SEEN_SQL, [list(probes.values())])).fetchall()
        seen = {row[0] for row in rows}
        read = {extension: probe_id in seen for extension, probe_id in probes.items()}
        return Policies(broadcast_read=read["broadcast"], presence_read=read.get("presence"))

    async def may_write(self, ctx: AuthContext) -> bool:
        """Broadcast write: may the user insert a broadcast row for the topic (the INSERT policies)?"""
        async with self._rolled_back() as conn:
            await conn.execute(_AS_USER_SQL, ctx.settings())
            try:
                async with conn.transaction():
                    await conn.execute(_PROBE_SQL, (uuid.uuid4(), ctx.topic, "broadcast"))
            except psycopg.errors.InsufficientPrivilege:
                return False
        return True

    @asynccontextmanager
    async def _rolled_back(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled connection in a transaction that is always rolled back; errors become the checks' errors."""
        try:
            async with self._pool.connection() as conn, conn.transaction(force_rollback=True):
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        except psycopg.Error as exc:
            raise PolicyError(str(exc)) from exc
