"""The dev console: a static LIFF-style page served by the dev server at / (assets under /console/).

Also the API contract: /openapi.json (the committed file `make openapi` writes) and its reference page /docs.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

CONSOLE_DIR = Path(__file__).resolve().parent
OPENAPI = CONSOLE_DIR.parents[2] / "openapi.json"
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


def routes() -> list[BaseRoute]:
    """GET / -> the console page; /docs and /openapi.json -> the API contract; GET /console/<file> -> assets."""
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/docs", docs, methods=["GET", "HEAD"]),
        Route("/openapi.json", openapi, methods=["GET", "HEAD"]),
        Mount("/console", app=_NoCacheStatic(directory=CONSOLE_DIR), name="console"),
    ]
