"""The dev console: a static LIFF-style page served by the dev server at / (assets under /console/)."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

CONSOLE_DIR = Path(__file__).resolve().parent
# The page is a dev tool that changes often: browsers revalidate instead of running a stale app.js.
NO_CACHE = {"Cache-Control": "no-cache"}


class _NoCacheStatic(StaticFiles):
    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(NO_CACHE)
        return response


async def index(_: Request) -> FileResponse:
    return FileResponse(CONSOLE_DIR / "index.html", media_type="text/html; charset=utf-8", headers=NO_CACHE)


def routes() -> list[BaseRoute]:
    """GET / -> the console page; GET /console/<file> -> its script and stylesheet."""
    return [Route("/", index, methods=["GET", "HEAD"]),
            Mount("/console", app=_NoCacheStatic(directory=CONSOLE_DIR), name="console")]
