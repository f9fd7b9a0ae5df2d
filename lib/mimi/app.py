"""The app factory every function uses: request id, JSON access log, CORS and problem+json errors around a Router."""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mimi import config, error_reporting, metrics
from mimi.config import get_settings
from mimi.errors import AppError, problem
from mimi.i18n import detail, negotiate
from mimi.logs import configure, log, request_id_var
from mimi.web import (
    HttpError,
    InvalidInput,
    MalformedJson,
    Route,
    Router,
    read_body,
    unstorable,
    validate,
)

PROBLEM_JSON = "application/problem+json"
HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
Authenticate = Callable[[str | None], Any]
# the matched route's template, kept in the ASGI scope for the access log: a path can carry a secret (a share token)
ROUTE_KEY = "mimi.route"


def problem_response(
    status: int, code: str, language: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """A problem+json response carrying the request id, its detail written for people in the language."""
    text = detail(code, status, language, extra)
    body = problem(status, code, text, request_id=request_id_var.get(), **extra)
    return Response(_dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def caller_language(request: Request) -> str:
    """The caller's language: their profile's (the verified token's claim) once known, else Accept-Language."""
    known: str | None = getattr(request.state, "language", None)
    return known or negotiate(request.headers.get("accept-language"))


def _dumps(body: Any) -> bytes:
    """UTF-8 JSON; an unpaired surrogate (echoed in an error's loc) is written as its JSON escape, \\udXXX."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace")


def _app_error(exc: AppError, lang: str) -> Response:
    if exc.status >= 500:
        log("app_error", logging.WARNING, code=exc.code, status=exc.status)
    return problem_response(exc.status, exc.code, lang, exc.headers, **exc.extra)


def _frames(exc: BaseException) -> list[str]:
    """Where the exception went through (file:line function), without values, which could hold secrets."""
    frames = traceback.extract_tb(exc.__traceback__)[-8:]
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames]


def _unhandled(exc: BaseException, lang: str) -> Response:
    log("unhandled_exception", logging.ERROR, error_type=type(exc).__name__, frames=_frames(exc))
    metrics.emit(metrics.UNHANDLED_ERRORS, 1)
    error_reporting.capture(exc)
    return problem_response(500, "internal_error", lang)


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette's router matches it."""
    path, root = str(scope["path"]), str(scope.get("root_path", ""))
    return path[len(root) :] or "/" if root and path.startswith(root) else path


def own_url(request: Request) -> str:
    """The URL the caller sent this request to: the function URL's domain (from the Lambda event) and the path.

    What QStash signs: a function verifies a delivery against its own URL, so it needs no setting naming it.
    """
    event = request.scope.get("aws.event") or {}
    domain = (event.get("requestContext") or {}).get("domainName") or request.headers.get(
        "host", ""
    )
    path = event.get("rawPath") or _route_path(request.scope)
    return f"{request.url.scheme}://{domain}{path}"


def lambda_deadline(scope: Scope) -> float | None:
    """When Lambda ends this invocation, as a time.monotonic() value: from the context Mangum puts in the scope."""
    remaining = getattr(scope.get("aws.context"), "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 if callable(remaining) else None


class Api:
    """The ASGI app of one function: route, read inputs, call the handler, render its result or its error."""

    def __init__(self, router: Router, name: str = "-") -> None:
        self.router, self.name = router, name
        self._authenticate: Authenticate | None = None
        if any(route.auth for route in router.routes):
            from mimi.auth.deps import (
                current_user,
            )  # token verification (jwt) only where a route needs a user

            self._authenticate = current_user

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no lifespan work: clients are built lazily on first use
            return
        config.fetch_secrets()  # the first request only: the secrets extension answers once invoked
        request = Request(scope, receive)
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token, named = request_id_var.set(rid[:64]), metrics.function_var.set(self.name)
        started = time.perf_counter()
        try:
            try:
                response = await self._respond(request)
            except (
                Exception
            ) as exc:  # an app bug: answer 500 here so nothing reaches Lambda's runtime
                response = _unhandled(exc, caller_language(request))
            response.headers["X-Request-Id"] = request_id_var.get()
            log(
                "request",
                method=request.method,
                route=scope.get(ROUTE_KEY, "-"),
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            await response(scope, receive, send)
        finally:
            request_id_var.reset(token)
            metrics.function_var.reset(named)

    async def _respond(self, request: Request) -> Response:
        try:
            route, path_params = self.router.match(request.method, _route_path(request.scope))
            request.scope[ROUTE_KEY] = route.path
            kwargs = await self._inputs(route, request, path_params)
            return self._render(route, route.handler(**kwargs))
        except AppError as exc:
            return _app_error(exc, caller_language(request))
        except InvalidInput as exc:
            return problem_response(
                422, "validation_failed", caller_language(request), errors=exc.errors
            )
        except MalformedJson:
            return problem_response(400, "malformed_json", caller_language(request))
        except HttpError as exc:
            code = HTTP_CODES.get(exc.status, "http_error")
            return problem_response(exc.status, code, caller_language(request), exc.headers)

    def _caller(self, request: Request) -> Any:
        """The verified caller (401 without one), past the router's guard (its 403) when it has one."""
        assert self._authenticate is not None
        caller = self._authenticate(request.headers.get("authorization"))
        # the profile's language: every later problem is written in it
        request.state.language = caller.language
        if self.router.guard is not None:
            self.router.guard(caller)
        return caller

    async def _inputs(
        self, route: Route, request: Request, path_params: dict[str, str]
    ) -> dict[str, Any]:
        """The handler's arguments, in FastAPI's order: body JSON (400), then the user (401), then models (422).

        A guarded router checks its caller first (401, then 403): nothing is read or validated for a stranger."""
        guarded = route.auth and self.router.guard is not None
        caller = self._caller(request) if guarded else None
        raw = await request.body() if route.body or route.raw_body else b""
        body = read_body(raw, request.headers.get("content-type")) if route.body else raw
        values: dict[str, Any] = {
            **path_params,
            "client_ip": request.client.host if request.client else "unknown",
            "url": own_url(request),
            "deadline": lambda_deadline(request.scope),
        }
        if route.auth:
            values["caller"] = caller if guarded else self._caller(request)
        values.update({h.lower().replace("-", "_"): request.headers.get(h) for h in route.headers})
        query = {key: request.query_params.getlist(key) for key in request.query_params}
        errors = unstorable(path_params, "path") + unstorable(query, "query")
        if route.body:
            errors += unstorable(body, "body")
        if errors:
            raise InvalidInput(errors)
        if route.query:
            values["query"], bad = validate(route.query, dict(request.query_params), "query")
            errors += bad
        if route.body:
            values["body"], bad = validate(route.body, body, "body")
            errors += bad
        elif route.raw_body:
            values["body"] = raw
        if errors:
            raise InvalidInput(errors)
        values.update({name: parse(values[name]) for name, parse in route.parse.items()})
        return {name: values[name] for name in route.params}

    @staticmethod
    def _render(route: Route, result: Any) -> Response:
        """The handler's result as JSON of the declared response model (a Response passes as it is)."""
        if isinstance(result, Response):
            response = result
        elif route.adapter is None or result is None:
            response = Response(status_code=route.status)
        else:
            response = Response(
                route.adapter.dump_json(result),
                status_code=route.status,
                media_type="application/json",
            )
        for name, value in route.response_headers:
            response.headers.setdefault(name, value)
        return response


def create_app(name: str, router: Router) -> CORSMiddleware:
    """Build one function's ASGI app from its route table; outside local, a missing setting stops here."""
    settings = get_settings()
    pending = config.pending_secrets()  # read and required at the first request
    settings.require(name for name in router.needs if name not in pending)
    configure(settings.log_level)
    metrics.configure(stage=settings.stage)
    if settings.sentry_dsn.get_secret_value():
        error_reporting.enable(
            settings.sentry_dsn.get_secret_value(),
            stage=settings.stage,
            release=settings.app_version,
        )
    return CORSMiddleware(
        Api(router, name),
        allow_origins=list(settings.cors_origins),
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-Id", "Idempotency-Key"],
        expose_headers=["X-Request-Id", "Retry-After"],
        max_age=600,
    )
