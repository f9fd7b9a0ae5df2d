"""The dev console: a static LIFF-style page served by the dev server at / (assets under /console/).

It plays the LIFF app, so the app's own paths (/shared/{token}) serve the same page. It subscribes to Realtime
with the official supabase-js, served from the typed client's node_modules (`make client-deps` installs it from
its package-lock.json) when present; without it the console polls. /console/config.json tells the page the
project's public parts: its URL and anon key (public in every Supabase client).

Also the API contract: /openapi.json (the committed file `make openapi` writes) and its reference page /docs.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

CONSOLE_DIR = Path(__file__).resolve().parent
OPENAPI = CONSOLE_DIR.parents[2] / "openapi.json"
SUPABASE_JS = (
    CONSOLE_DIR.parents[2]
    / "clients/mimi-api/node_modules/@supabase/supabase-js/dist/umd/supabase.js"
)
# The page is a dev tool that changes often: browsers revalidate instead of running a stale app.js.
NO_CACHE = {"Cache-Control": "no-cache"}


class _NoCacheStatic(StaticFiles):
    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(NO_CACHE)
        return response


async def index(_: Request) -> FileResponse:
    return FileResponse(
        CONSOLE_DIR / "index.html", media_type="text/html; charset=utf-8", headers=NO_CACHE
    )


async def docs(_: Request) -> FileResponse:
    return FileResponse(
        CONSOLE_DIR / "docs.html", media_type="text/html; charset=utf-8", headers=NO_CACHE
    )


async def openapi(_: Request) -> Response:
    if not OPENAPI.exists():
        return Response(
            "openapi.json is missing: run make openapi\n", status_code=404, media_type="text/plain"
        )
    return FileResponse(OPENAPI, media_type="application/json", headers=NO_CACHE)


async def supabase_js(_: Request) -> Response:
    if not SUPABASE_JS.exists():
        return Response(
            "supabase-js is not installed: make client-deps\n", 404, media_type="text/plain"
        )
    return FileResponse(SUPABASE_JS, media_type="text/javascript", headers=NO_CACHE)


def config(anon_key: str) -> Route:
    """The project's public parts for the page: same origin for Supabase, its anon key, supabase-js if present."""

    async def endpoint(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        realtime_js = "/console/vendor/supabase.js" if SUPABASE_JS.exists() else None
        body = {"supabase_url": base, "anon_key": anon_key, "realtime_js": realtime_js}
        return JSONResponse(body, headers=NO_CACHE)

    return Route("/console/config.json", endpoint, methods=["GET"])


def routes(anon_key: str) -> list[BaseRoute]:
    """GET / and the LIFF app's paths -> the console page; /docs and /openapi.json -> the API contract;
    GET /console/<file> -> assets, /console/config.json -> the page's settings."""
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/shared/{token}", index, methods=["GET", "HEAD"]),
        config(anon_key),
        Route("/console/vendor/supabase.js", supabase_js, methods=["GET", "HEAD"]),
        Route("/docs", docs, methods=["GET", "HEAD"]),
        Route("/openapi.json", openapi, methods=["GET", "HEAD"]),
        Mount("/console", app=_NoCacheStatic(directory=CONSOLE_DIR), name="console"),
    ]
