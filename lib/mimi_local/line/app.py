"""LINE stand-in: Login (JWKS, a dev endpoint issuing ES256 ID tokens) and Messaging (push, see messaging.py)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mimi_local.keys import public_jwk
from mimi_local.line.messaging import Messaging
from mimi_local.line.messaging import routes as messaging_routes

ISSUER = "https://access.line.me"


def dev_line_user_id(name: str) -> str:
    """A stable LINE-shaped user id (U + 32 hex) for a dev user name."""
    return "U" + hashlib.sha256(name.encode()).hexdigest()[:32]


def issue_id_token(
    private_jwk: dict[str, Any],
    channel_id: str,
    sub: str,
    name: str,
    picture: str | None = None,
    ttl_s: int = 3600,
    now: int | None = None,
    **overrides: Any,
) -> str:
    """An ID token as LINE signs it (ES256, kid in the header)."""
    issued = now if now is not None else int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": sub,
        "aud": channel_id,
        "exp": issued + ttl_s,
        "iat": issued,
        "amr": ["linesso"],
        "name": name,
    }
    if picture:
        claims["picture"] = picture
    claims.update(overrides)
    key = jwt.PyJWK(private_jwk, algorithm="ES256")
    return jwt.encode(claims, key.key, algorithm="ES256", headers={"kid": private_jwk["kid"]})


def build_app(
    keys: list[dict[str, Any]], channel_id: str, channel_access_token: str = ""
) -> Starlette:
    """Mounted at /line: GET /oauth2/v2.1/certs, POST /dev/id_token {name, user_id?, picture?}, and the Messaging
    API's push (state on `app.state.messaging`)."""

    async def certs(_: Request) -> JSONResponse:
        return JSONResponse({"keys": [public_jwk(k) for k in keys]})

    async def dev_token(request: Request) -> JSONResponse:
        body = await request.json() if await request.body() else {}
        name = str(body.get("name") or "Dev User")[:100]
        sub = str(body.get("user_id") or dev_line_user_id(name))
        token = issue_id_token(
            keys[0],
            str(body.get("channel_id") or channel_id),
            sub,
            name,
            body.get("picture") or f"https://profile.line-scdn.net/dev/{sub}.png",
        )
        return JSONResponse({"id_token": token, "sub": sub, "name": name})

    messaging = Messaging(channel_access_token or "local-line-" + "0" * 32)
    app = Starlette(
        routes=[
            Route("/oauth2/v2.1/certs", certs),
            Route("/dev/id_token", dev_token, methods=["POST"]),
            *messaging_routes(messaging),
        ]
    )
    app.state.messaging = messaging
    return app
