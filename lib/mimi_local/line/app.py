"""LINE Login stand-in: LINE's JWKS and a dev endpoint that issues ES256 ID tokens for a chosen dev user."""

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

ISSUER = "https://access.line.me"


def dev_line_user_id(name: str) -> str:
    """A stable LINE-shaped user id (U + 32 hex) for a dev user name."""
    return "U" + hashlib.sha256(name.encode()).hexdigest()[:32]


def issue_id_token(private_jwk: dict[str, Any], channel_id: str, sub: str, name: str,
                   picture: str | None = None, ttl_s: int = 3600, now: int | None = None,
                   **overrides: Any) -> str:
    """An ID token as LINE signs it (ES256, kid in the header)."""
    issued = now if now is not None else int(time.time())
    claims: dict[str, Any] = {"iss": ISSUER, "sub": sub, "aud": channel_id, "exp": issued + ttl_s,
                              "iat": issued, "amr": ["linesso"], "name": name}
    if picture:
        claims["picture"] = picture
    claims.update(overrides)
    key = jwt.PyJWK(private_jwk, algorithm="ES256")
    return jwt.encode(claims, key.key, algorithm="ES256", headers={"kid": private_jwk["kid"]})


def build_app(keys: list[dict[str, Any]], channel_id: str) -> Starlette:
    """Mounted at /line: GET /oauth2/v2.1/certs and POST /dev/id_token {name, user_id?, picture?}."""

    async def certs(_: Request) -> JSONResponse:
        return JSONResponse({"keys": [public_jwk(k) for k in keys]})

    async def dev_token(request: Request) -> JSONResponse:
        body = await request.json() if await request.body() else {}
        name = str(body.get("name") or "Dev User")[:100]
        sub = str(body.get("user_id") or dev_line_user_id(name))
        token = issue_id_token(keys[0], str(body.get("channel_id") or channel_id), sub, name,
                               body.get("picture") or f"https://profile.line-scdn.net/dev/{sub}.png")
        return JSONResponse({"id_token": token, "sub": sub, "name": name})

    return Starlette(routes=[Route("/oauth2/v2.1/certs", certs), Route("/dev/id_token", dev_token,
                                                                       methods=["POST"])])
