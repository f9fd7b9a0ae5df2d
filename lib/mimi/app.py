"""The app factory every function uses: request id, JSON access log, CORS and problem+json errors."""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mimi import __version__
from mimi.config import get_settings
from mimi.errors import AppError, problem
from mimi.logs import configure, log, request_id_var

PROBLEM_JSON = "application/problem+json"
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
              415: "unsupported_media_type"}


def problem_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    """A problem+json response carrying the request id."""
    body = problem(status, code, detail, request_id=request_id_var.get(), **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _app_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if exc.status >= 500:
        log("app_error", logging.WARNING, code=exc.code, status=exc.status)
    return problem_response(exc.status, exc.code, exc.detail, exc.headers, **exc.extra)


def _clean_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_errors(exc)
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(400, "malformed_json", "The request body is not valid JSON.")
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
    return problem_response(422, "validation_failed", f"{where}: {first['msg']}", errors=errors)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return problem_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))


def _frames(exc: BaseException) -> list[str]:
    """Where the exception went through (file:line function), without values, which could hold secrets."""
    frames = traceback.extract_tb(exc.__traceback__)[-8:]
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames]


async def _unhandled(_: Request, exc: Exception) -> Response:
    log("unhandled_exception", logging.ERROR, error_type=type(exc).__name__, frames=_frames(exc))
    return problem_response(500, "internal_error", "Something went wrong on our side. Please try again.")


async def _access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    rid = request.headers.get("x-request-id") or uuid.uuid4().hex
    token = request_id_var.set(rid[:64])
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await call_next(request)
        except Exception as exc:  # an app bug: answer 500 here so nothing reaches Lambda's runtime
            response = await _unhandled(request, exc)
        status = response.status_code
        response.headers["X-Request-Id"] = request_id_var.get()
        return response
    finally:
        log("request", method=request.method, path=request.url.path, status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2))
        request_id_var.reset(token)


def create_app(name: str, routers: Sequence[APIRouter]) -> FastAPI:
    """Build one function's ASGI app from its routers."""
    settings = get_settings()
    configure(settings.log_level)
    app = FastAPI(title=f"mimivibes-{name}", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    for router in routers:
        app.include_router(router)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
    app.middleware("http")(_access_log)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                       allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type", "X-Request-Id", "Idempotency-Key"],
                       expose_headers=["X-Request-Id", "Retry-After"], max_age=600)
    return app
