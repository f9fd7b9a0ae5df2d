"""The Realtime stand-in's app: `GET /websocket` (mounted at /realtime/v1), its handshake and its services.

The handshake is checked as Supabase checks it: the API gateway wants one of the project's API keys (`apikey` url
param, or the `x-api-key` header Realtime also reads), then Phoenix picks the serializer by `vsn`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from mimi_local.gateway.auth import JwtVerifier
from mimi_local.gateway.errors import GatewayError, error_response
from mimi_local.gateway.keys import api_key_role, check_api_key, minted_jwt
from mimi_local.realtime.hub import Hub
from mimi_local.realtime.policies import Authorizer
from mimi_local.realtime.protocol import serializer_for
from mimi_local.realtime.socket import Connection
from mimi_local.realtime.tokens import TokenChecker

# Supabase limits a connection made with a publishable key alone to 24 hours ("API keys": known limitations)
PUBLIC_CONNECTION_S = 24 * 3600


@dataclass
class RealtimeConfig:
    """The database (as the authenticator role), the project API keys and the keys that sign access tokens."""

    dsn: str
    jwt_secret: str
    api_keys: frozenset[str] = frozenset()
    jwks: list[dict[str, Any]] = field(default_factory=list)
    jwt_aud: str | None = None


class Realtime:
    """What every socket shares: the token checker, the policy checks and the hub."""

    def __init__(self, config: RealtimeConfig) -> None:
        verifier = JwtVerifier(config.jwt_secret, config.jwks, config.jwt_aud)
        self.tokens = TokenChecker(verifier, config.jwt_aud)
        self.authorizer = Authorizer(config.dsn)
        self.hub = Hub(config.dsn, self.authorizer.pool)
        self.api_keys = config.api_keys
        self._jwt_secret = config.jwt_secret
        self._opened = False
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the pool and start listening, once, in the serving event loop."""
        async with self._lock:
            if not self._opened:
                await self.authorizer.open()
                self.hub.start()
                self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.hub.stop()
            await self.authorizer.close()
            self._opened = False

    async def serve(self, ws: WebSocket) -> None:
        """Refuse the handshake as Supabase would, or accept and run the socket."""
        apikey = ws.headers.get("x-api-key") or ws.query_params.get("apikey")
        try:
            check_api_key(apikey, self.api_keys)
        except GatewayError as exc:
            return await ws.send_denial_response(error_response(exc))
        serializer = serializer_for(ws.query_params.get("vsn"))
        if serializer is None or apikey is None:
            return await ws.send_denial_response(Response(status_code=403))
        await self.open()
        await ws.accept()
        x_headers = {k: v for k, v in ws.headers.items() if k.startswith("x-")}
        role = api_key_role(apikey)
        if (
            role is not None
        ):  # the gateway hands Realtime a JWT for a publishable or secret key, not the key
            apikey = minted_jwt(role, self._jwt_secret, PUBLIC_CONNECTION_S)
        await Connection(self, ws, serializer, apikey, x_headers).run()
        return None


def build_app(config: RealtimeConfig) -> Starlette:
    """The app to mount at /realtime/v1; its state.realtime is the service (tests reach the hub through it)."""
    realtime = Realtime(config)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await realtime.open()
        try:
            yield
        finally:
            await realtime.close()

    app = Starlette(routes=[WebSocketRoute("/websocket", realtime.serve)], lifespan=lifespan)
    app.state.realtime = realtime
    return app
