"""One transaction per request, as PostgREST runs it: impersonated role, request.* settings, the query."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from mimi_local.gateway.auth import API_ROLES, AuthResult
from mimi_local.gateway.errors import GatewayError, from_pg_error

T = TypeVar("T")
Work = Callable[[AsyncConnection[Any]], Awaitable[T]]

_CONTEXT_SQL = """
select pg_catalog.set_config('search_path', '"public"', true),
       pg_catalog.set_config('role', %(role)s, true),
       pg_catalog.set_config('request.jwt.claims', %(claims)s, true),
       pg_catalog.set_config('request.method', %(method)s, true),
       pg_catalog.set_config('request.path', %(path)s, true),
       pg_catalog.set_config('request.headers', %(headers)s, true),
       pg_catalog.set_config('request.cookies', %(cookies)s, true)
"""

# The impersonated role's own settings (ALTER ROLE ... SET statement_timeout), which SET ROLE does not apply:
# PostgREST applies them per transaction, so Supabase's per-role statement timeouts hold through the API.
_ROLE_SETTINGS_SQL = """
select pg_catalog.set_config(split_part(kv, '=', 1), substr(kv, strpos(kv, '=') + 1), true)
from pg_catalog.pg_db_role_setting s
join pg_catalog.pg_roles r on r.oid = s.setrole
cross join lateral unnest(s.setconfig) as kv
where r.rolname = %(role)s
  and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database()))
order by s.setdatabase
"""


@dataclass(frozen=True)
class RequestContext:
    """What PostgREST exposes to SQL about the request."""

    auth: AuthResult
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


class Database:
    """A lazily opened async pool (the mounted app may never see a lifespan startup)."""

    def __init__(self, dsn: str, *, max_size: int = 10) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        """The open pool, created on first use in the serving event loop."""
        async with self._lock:
            if self._pool is None:
                pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
                    self._dsn,
                    min_size=1,
                    max_size=self._max_size,
                    open=False,
                    kwargs={"autocommit": True},
                    timeout=10,
                )
                await pool.open()
                self._pool = pool
            return self._pool

    async def close(self) -> None:
        """Close the pool if it was opened."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def run(self, ctx: RequestContext, work: Work[T], *, read_only: bool) -> T:
        """Run work in one transaction as the request's role; Postgres errors become PostgREST errors."""
        pool = await self.pool()
        try:
            async with pool.connection() as conn, conn.transaction():
                if read_only:
                    await conn.execute("set transaction read only")
                await _set_context(conn, ctx)
                return await work(conn)
        except psycopg.Error as exc:
            raise from_pg_error(exc, ctx.auth.authed) from exc


async def _set_context(conn: AsyncConnection[Any], ctx: RequestContext) -> None:
    """Switch to the request's role and publish claims, method, path, headers and cookies as settings."""
    if ctx.auth.role not in API_ROLES:
        await _refuse_role(conn, ctx.auth.role)
    await conn.execute(_ROLE_SETTINGS_SQL, {"role": ctx.auth.role})
    await conn.execute(
        _CONTEXT_SQL,
        {
            "role": ctx.auth.role,
            "claims": json.dumps(ctx.auth.claims, separators=(",", ":")),
            "method": ctx.method,
            "path": ctx.path,
            "headers": json.dumps(ctx.headers),
            "cookies": json.dumps(ctx.cookies),
        },
    )


async def _refuse_role(conn: AsyncConnection[Any], role: str) -> None:
    """Only the API roles may be impersonated; answer as PostgREST would when the switch fails."""
    cur = await conn.execute(
        "select exists (select 1 from pg_catalog.pg_roles where rolname = %s)", (role,)
    )
    row = await cur.fetchone()
    if row is not None and row[0]:
        raise GatewayError(403, "42501", f'permission denied to set role "{role}"')
    raise GatewayError(
        401, "22023", f'role "{role}" does not exist', headers={"WWW-Authenticate": "Bearer"}
    )
