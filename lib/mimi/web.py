"""The routing layer: a declarative route table (introspectable for a build-time OpenAPI document) and its inputs."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from mimi.errors import AppError

Handler = Callable[..., Any]
PATH_PARAM = re.compile(r"{([a-z_][a-z0-9_]*)}")
# the inputs a handler may name as parameters besides its path parameters and declared headers: `url` is the URL
# this request was sent to, `deadline` when Lambda ends the invocation (a time.monotonic() value, None outside it)
INPUTS = {"body", "caller", "query", "client_ip", "url", "deadline"}
MISSING = object()
# the settings every function called by the LIFF app with a user's token reads (verify only: public keys)
USER_API = (
    "cors_origins",
    "supabase_url",
    "supabase_anon_key",
    "app_jwt_public_keys",
    "app_jwt_issuer",
)


class MalformedJson(Exception):
    """The body is not JSON we can read: not UTF-8, not JSON, or nested beyond the parser's limit."""


class InvalidInput(Exception):
    """Query, header, path or body values that fail their model: a 422 with FastAPI-style `errors`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid input")
        self.errors = errors


class HttpError(Exception):
    """A routing failure (404, 405) rendered as problem+json."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


@dataclass(frozen=True)
class Route:
    """One operation: everything a client (or an OpenAPI generator) needs to know about it."""

    method: str
    path: str
    handler: Handler
    body: type[BaseModel] | None = None  # a JSON body validated by this model
    raw_body: bool = False  # the handler gets the body bytes as sent (signed webhooks)
    raw_model: type[BaseModel] | None = (
        None  # what a raw body holds, for the document (the handler parses it)
    )
    query: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()  # request headers passed to the handler (optional strings)
    response: Any = None  # a pydantic model, or e.g. list[Model]; None: no JSON body
    status: int = 200
    also: tuple[int, ...] = ()  # other statuses that answer with the response model (health's 503)
    auth: bool = False  # needs `Authorization: Bearer <app access token>`
    errors: tuple[type[AppError], ...] = ()  # the coded errors it can answer besides 401/422
    response_headers: tuple[tuple[str, str], ...] = ()
    summary: str = ""
    params: frozenset[str] = field(default=frozenset(), compare=False)
    # typed path parameters and headers: each named input parsed once (after validation) by its function, which
    # raises the route's coded error for a bad value; e.g. {"reading_id": parse_reading_id}
    parse: dict[str, Callable[[Any], Any]] = field(default_factory=dict, compare=False)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The path as a regex: each {name} matches one non-empty segment."""
        parts = PATH_PARAM.split(self.path)  # literal, name, literal, ...
        return re.compile(
            "^"
            + "".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
            + "$"
        )

    @cached_property
    def adapter(self) -> TypeAdapter[Any] | None:
        """Serialises the handler's result as the declared response model (built on first use)."""
        return TypeAdapter(self.response) if self.response is not None else None

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)

    def owns(self, values: dict[str, str]) -> bool:
        """Whether a matched path's values parse as this route's typed path parameters: `/{reading_id}` (a UUID)
        never owns `/daily`, so a 405 there does not offer its methods."""
        for name, value in values.items():
            parse = self.parse.get(name)
            try:
                if parse is not None:
                    parse(value)
            except AppError:
                return False
        return True


def _arg_name(header: str) -> str:
    return header.lower().replace("-", "_")


class Router:
    """A function's route table; `routes` is the declaration, `needs` the settings its routes read.

    `guard`, when given, is called with the caller of every route that has one, right after the token is verified
    and before anything of the request is read or validated: who may use these routes at all (the admin's 403)."""

    def __init__(
        self, needs: Iterable[str] = (), guard: Callable[[Any], None] | None = None
    ) -> None:
        self.routes: list[Route] = []
        self.needs = tuple(needs)
        self.guard = guard

    def route(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare the decorated handler as one route (see Route for the options)."""

        def register(handler: Handler) -> Handler:
            params = frozenset(inspect.signature(handler).parameters)
            available = (
                INPUTS
                | set(PATH_PARAM.findall(path))
                | {_arg_name(h) for h in options.get("headers", ())}
            )
            if params - available:
                raise TypeError(f"{handler.__name__}: cannot supply {sorted(params - available)}")
            if set(options.get("parse", ())) - available:
                raise TypeError(
                    f"{handler.__name__}: cannot parse {sorted(set(options['parse']) - available)}"
                )
            summary = (handler.__doc__ or "").strip().split("\n")[0]
            self.routes.append(
                Route(method, path, handler, summary=summary, params=params, **options)
            )
            return handler

        return register

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **options)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for a request: among the routes whose typed path parameters own the path, the one of this
        method, else 405 listing theirs; else a route whose parameter does not parse (it answers its own 404,
        e.g. reading_not_found); else 404."""
        matched = [(r, m.groupdict()) for r in self.routes if (m := r.pattern.match(path))]
        owners = [(route, values) for route, values in matched if route.owns(values)]
        candidates = (
            owners or matched
        )  # no owner: a route whose parameter does not parse answers its 404
        for route, values in candidates:
            if route.method == method:
                return route, values
        if owners:
            allowed = ", ".join(dict.fromkeys(route.method for route, _ in owners))
            raise HttpError(405, "Method Not Allowed", {"Allow": allowed})
        raise HttpError(404, "Not Found")


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body; MalformedJson for bad UTF-8, bad JSON or nesting beyond the recursion limit."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedJson from None


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON (application/json or application/*+json), as FastAPI decided."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def errors_of(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    """Pydantic's errors as {loc, msg, type}, loc starting with where (body, query, path or header)."""
    return [{"loc": [where, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


UNSTORABLE = re.compile(
    "[\x00\ud800-\udfff]"
)  # NUL and unpaired surrogates: no Postgres text holds them


def unstorable(value: Any, *loc: str | int) -> list[dict[str, Any]]:
    """Errors for every string in a request value (keys too) that the database cannot store, at its location.

    Postgres refuses U+0000 in text and jsonb (22P05), and an unpaired surrogate is not UTF-8 at all; both are
    the client's input, so they answer 422 here, before anything is spent or written."""
    if isinstance(value, str):
        if UNSTORABLE.search(value) is None:
            return []
        msg = "Text must not contain NUL (U+0000) or unpaired surrogate characters."
        return [{"loc": list(loc), "msg": msg, "type": "string_unstorable"}]
    if isinstance(value, dict):
        pairs = value.items()
    elif isinstance(value, list):
        pairs = enumerate(value)  # type: ignore[assignment]
    else:
        return []
    found: list[dict[str, Any]] = []
    for key, item in pairs:
        found += unstorable(key, *loc, key) + unstorable(item, *loc, key)
    return found


def read_body(raw: bytes, content_type: str | None) -> Any:
    """The body to validate: its JSON value when sent as JSON, else the bytes (which a model refuses, as FastAPI)."""
    if not raw:
        return MISSING
    return parse_json(raw) if is_json(content_type) else raw


def validate(model: type[BaseModel], value: Any, where: str) -> tuple[Any, list[dict[str, Any]]]:
    """The value as the model, or the errors that say why not (loc starting with where)."""
    if value is MISSING:
        return None, [{"loc": [where], "msg": "Field required", "type": "missing"}]
    try:
        return model.model_validate(value), []
    except ValidationError as exc:
        return None, errors_of(exc, where)
    except RecursionError:  # a validator walking a value nested too deep to be a real request
        raise MalformedJson from None
