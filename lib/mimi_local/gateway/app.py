"""A local stand-in for Supabase's PostgREST: the subset this project uses, so supabase-py runs unmodified.

Mounted by the dev server at `/rest/v1`. Starlette's Mount does not run a sub-app's lifespan, so the pool
opens on first use; for a clean shutdown the host enters `app.router.lifespan_context(app)` in its lifespan.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection, sql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mimi_local.gateway.auth import JwtVerifier, bearer_token
from mimi_local.gateway.db import Database, RequestContext
from mimi_local.gateway.errors import GatewayError, error_response, not_supported
from mimi_local.gateway.http import Page, negotiate_singular, page_response, wants_count
from mimi_local.gateway.keys import api_key_role, check_api_key, check_key_use, minted
from mimi_local.gateway.query import apply_range_header, parse_read_query
from mimi_local.gateway.rpc import SCHEMA, call_source, find_routine
from mimi_local.gateway.sql import Shape, compile_read

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_TABLE_SQL = """
select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = %s and c.relname = %s and c.relkind in ('r', 'v', 'm', 'f', 'p')
"""


@dataclass
class GatewayConfig:
    """Where the database is (as authenticator), the project API keys, and which keys sign the API's JWTs.

    As on Supabase, every request needs an `apikey` header that is one of `api_keys` (legacy JWT keys, or the
    `sb_publishable_...` / `sb_secret_...` keys, which stand for anon / service_role and are never a Bearer),
    and when `jwt_aud` is set a token's `aud` must name it.
    """

    dsn: str
    jwt_secret: str
    api_keys: frozenset[str] = frozenset()
    jwks: list[dict[str, Any]] = field(default_factory=list)
    jwt_aud: str | None = None


class Gateway:
    """The request handlers; one instance per app."""

    def __init__(self, config: GatewayConfig) -> None:
        self.db = Database(config.dsn)
        self._verifier = JwtVerifier(config.jwt_secret, config.jwks, config.jwt_aud)
        self._api_keys = config.api_keys

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        """Close the pool on shutdown."""
        try:
            yield
        finally:
            await self.db.close()

    def context(self, request: Request, path: str) -> RequestContext:
        """Authenticate the request and collect what SQL sees of it."""
        apikey, authorization = request.headers.get("apikey"), request.headers.get("authorization")
        check_api_key(apikey, self._api_keys)
        assert apikey is not None
        check_key_use(apikey, authorization, request.headers.get("user-agent"))
        role = api_key_role(apikey)
        if role is not None and authorization is None:
            auth = minted(role)
        else:
            auth = self._verifier.authenticate(bearer_token(authorization, apikey))
        headers = {k: v for k, v in request.headers.items() if k != "cookie"}
        return RequestContext(auth, request.method, path, headers, dict(request.cookies))

    async def table(self, request: Request) -> Response:
        """GET/HEAD /<table>: a filtered, ordered, windowed read under RLS."""
        name = request.path_params["name"]
        ctx = self.context(request, f"/{name}")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            raise not_supported(
                f"{request.method} on tables (write through a SQL function and /rpc instead)"
            )
        if request.method not in ("GET", "HEAD"):
            raise GatewayError(405, "PGRST117", f"Unsupported HTTP method: {request.method}")
        _check_profile(request.headers.get("accept-profile"))
        singular = negotiate_singular(request.headers.get("accept"))
        query, _ = parse_read_query(request.query_params.multi_items())
        apply_range_header(query, request.headers.get("range"))
        stmt = compile_read(
            query,
            sql.Identifier(SCHEMA, name),
            Shape(many=not singular),
            with_count=wants_count(request.headers.getlist("prefer")),
        )

        async def work(conn: AsyncConnection[Any]) -> Page:
            if await (await conn.execute(_TABLE_SQL, (SCHEMA, name))).fetchone() is None:
                raise GatewayError(
                    404,
                    "PGRST205",
                    f"Could not find the table '{SCHEMA}.{name}' in the schema cache",
                )
            return await Page.fetch(conn, stmt, singular)

        page = await self.db.run(ctx, work, read_only=True)
        return page_response(page, query.offset, singular, head=request.method == "HEAD")

    async def rpc(self, request: Request) -> Response:
        """POST (JSON named args) or GET/HEAD (query args) /rpc/<fn>."""
        name = request.path_params["name"]
        ctx = self.context(request, f"/rpc/{name}")
        post = request.method == "POST"
        if not post and request.method not in ("GET", "HEAD"):
            raise GatewayError(405, "PGRST101", f"Cannot use the {request.method} method on RPC")
        _check_profile(request.headers.get("content-profile" if post else "accept-profile"))
        singular = negotiate_singular(request.headers.get("accept"))
        prefer = request.headers.getlist("prefer")
        query, query_args = parse_read_query(request.query_params.multi_items(), rpc_read=not post)
        apply_range_header(query, request.headers.get("range"))
        args = await _json_args(request) if post else query_args
        with_count = wants_count(prefer)

        async def work(conn: AsyncConnection[Any]) -> Page | None:
            routine = await find_routine(conn, name, set(args))
            if (
                post and routine.read_only
            ):  # going read-only is allowed mid-transaction, before the call
                await conn.execute("set transaction read only")
            source, params = call_source(routine, args)
            if routine.returns_void:
                await conn.execute(source, params)
                return None
            if not routine.returns_composite and (query.filters or query.order or query.select):
                raise not_supported("select, filters or order on a function that returns scalars")
            shape = Shape(
                many=routine.returns_set and not singular, scalar=not routine.returns_composite
            )
            stmt = compile_read(
                query,
                sql.Identifier("pgrst_source"),
                shape,
                with_count=with_count,
                prelude=sql.SQL("with pgrst_source as materialized ({}) ").format(source),
            )
            stmt.params.update(params)
            return await Page.fetch(conn, stmt, singular)

        page = await self.db.run(ctx, work, read_only=not post)
        if page is None:
            return Response(status_code=204)
        return page_response(page, query.offset, singular, head=request.method == "HEAD")


def _check_profile(profile: str | None) -> None:
    """Only the public schema is exposed (PGRST106 otherwise)."""
    if profile is not None and profile != SCHEMA:
        raise GatewayError(
            406,
            "PGRST106",
            f"Invalid schema: {profile}",
            hint=f"Only the following schemas are exposed: {SCHEMA}",
        )


async def _json_args(request: Request) -> dict[str, Any]:
    """The named arguments in a POST /rpc body; an empty body is no arguments."""
    if "params=single-object" in ",".join(request.headers.getlist("prefer")):
        raise not_supported("Prefer: params=single-object")
    content_type = (
        request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    )
    if content_type != "application/json":
        raise not_supported(f"RPC body of type {content_type} (send application/json)")
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if isinstance(value, list):
        raise not_supported("RPC with a JSON array body (bulk calls)")
    if not isinstance(value, dict):
        raise GatewayError(400, "PGRST102", "Empty or invalid json")
    return value


async def _on_gateway_error(request: Request, exc: Exception) -> Response:
    """Render a GatewayError."""
    if not isinstance(exc, GatewayError):
        raise exc
    return error_response(exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    """A bug in the gateway: a JSON 500 with no internals (the traceback goes to the server log)."""
    return error_response(GatewayError(500, "PGRSTX00", "Internal error in the local gateway"))


async def _root(request: Request) -> Response:
    """GET / is PostgREST's OpenAPI document, which this gateway does not produce."""
    raise not_supported("the OpenAPI root endpoint")


async def _invalid_path(request: Request) -> Response:
    """Any other path: PGRST125."""
    raise GatewayError(404, "PGRST125", "Invalid path specified in request URL")


def build_app(config: GatewayConfig) -> Starlette:
    """The PostgREST-compatible ASGI app, to be mounted at /rest/v1."""
    gateway = Gateway(config)
    app = Starlette(
        routes=[
            Route("/", _root, methods=ALL_METHODS),
            Route("/rpc/{name}", gateway.rpc, methods=ALL_METHODS),
            Route("/{name}", gateway.table, methods=ALL_METHODS),
            Route("/{rest:path}", _invalid_path, methods=ALL_METHODS),
        ],
        exception_handlers={GatewayError: _on_gateway_error, Exception: _on_unexpected},
        lifespan=gateway.lifespan,
    )
    app.state.gateway = gateway
    return app
