"""The OpenAPI 3.1 document of the whole API, and README's route list, built from the route tables: `make openapi`.

Build time only: no function imports this. Each function's routes sit under its dev-server prefix
/functions/<name>/ (on AWS each prefix is that function's own URL). Schemas come from the pydantic models;
errors are problem+json, listed per operation with the status and codes of its declared error classes.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args, get_type_hints
from uuid import UUID

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from mimi import __version__
from mimi.errors import TITLES, AppError, UnstorableInput
from mimi.web import Route, Router
from mimi_ops.package import FUNCTIONS, function_names

ROOT = FUNCTIONS.parent
DOCUMENT = ROOT / "openapi.json"
README = ROOT / "README.md"
ROUTES_START, ROUTES_END = "<!-- routes:start -->", "<!-- routes:end -->"
REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
# what mimi.auth.deps and mimi.auth.tokens answer when the bearer token is missing or bad
BEARER_CODES = ("auth_required", "token_invalid", "token_expired")
# what mimi.db answers when Postgres (through PostgREST) is unreachable or fails
DATABASE_CODES = ("database_unavailable", "database_error")
SIGNATURES = {
    "Upstash-Signature": "QStash's signature of this delivery: a JWT (HS256, the current or next signing key) "
    "whose `sub` is this URL and `body` the SHA-256 of the raw body. Unsigned or wrongly "
    "signed deliveries answer 401 `invalid_signature`.",
    "Stripe-Signature": "Stripe's webhook signature of the raw body (`t=...,v1=...`, the endpoint secret). "
    "A missing or wrong signature answers 400 `invalid_signature`.",
}
IDEMPOTENCY_KEY = (
    "Optional. 8 to 100 printable ASCII characters (anything else answers 422 `invalid_idempotency_key`). "
    "A retry with the same key applies the change once and answers as the first call did; without a key "
    "every call is a new operation."
)
IDEMPOTENCY_KEY_REQUIRED = (
    "idempotency_key_required"  # the code of a route that refuses a call without a key
)
IDEMPOTENCY_KEY_MUST = (
    "Required (without one: 422 `idempotency_key_required`). 8 to 100 printable ASCII characters (anything else "
    "answers 422 `invalid_idempotency_key`). A retry with the same key applies the change once and answers as "
    "the first call did; the same key with another body answers 409 `idempotency_key_reused`."
)
# Path parameters that are not ids (ids are UUIDs: their route parses them, and any other value answers 404).
PATH_NAMES = {
    "token": "A share link's token, exactly as the link carries it.",
    "key": "An app setting's key (GET /catalog lists them).",
    "package_id": "A package id, e.g. `stars_10` (GET /catalog lists them).",
    "spread_id": "A spread id, e.g. `three` (GET /catalog lists them).",
}
INFO = """The MiMiVibes backend: one AWS Lambda per function, each behind its own function URL. In this
document each function's routes sit under `/functions/<name>/`, as the dev server (`make dev`) mounts them;
in production that prefix is the function's own URL.

Errors are RFC 9457 problem+json (`application/problem+json`) with a stable machine `code`; each operation
lists the statuses and codes it can answer. `detail` is written for the user in their language: the profile's
(the access token's `lang` claim), else the request's `Accept-Language` (Thai unless English ranks higher). A code
a client can act on carries the numbers of its next step (e.g. `insufficient_credits`: `price`, `stars`,
`free_points`), each documented by its own schema (`<Code>Problem`). 422 from a request model carries
`errors: [{loc, msg, type}]`.
Routes marked with the bearer scheme need the app's access token from POST /functions/auth/line."""


def router_module(name: str) -> str:
    """The module a function's handler.py imports its `router` from (read, not imported: no settings needed)."""
    tree = ast.parse((FUNCTIONS / name / "handler.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and any(a.name == "router" for a in node.names)
        ):
            return node.module
    raise LookupError(f"functions/{name}/handler.py imports no router")


def routers() -> dict[str, Router]:
    """Every function's route table, by function name."""
    found: dict[str, Router] = {}
    for name in function_names():
        found[name] = importlib.import_module(router_module(name)).router
    return found


def function_doc(name: str) -> str:
    return (
        ast.get_docstring(ast.parse((FUNCTIONS / name / "handler.py").read_text())) or name
    ).strip()


def error_codes(route: Route) -> dict[int, list[str]]:
    """The problem statuses an operation can answer, each with the codes it can carry."""
    codes: dict[int, list[str]] = {}

    def add(status: int, *names: str) -> None:
        listed = codes.setdefault(status, [])
        listed.extend(n for n in names if n not in listed)

    if route.body:
        add(400, "malformed_json")
    if route.auth:
        add(401, *BEARER_CODES)
    for error in route.errors:
        add(*error_status_code(error))
    # path and query values too: a NUL or an unpaired surrogate (string_unstorable)
    if route.body or route.query or route.path_params:
        add(422, "validation_failed")
    if 503 not in route.also:
        add(422, UnstorableInput.code)  # a value the database refuses (SQLSTATE class 22)
        add(503, *DATABASE_CODES)
    return dict(sorted(codes.items()))


def error_status_code(error: type[AppError]) -> tuple[int, str]:
    """An error class's status and code: its own class attributes, else those its base classes give it."""
    return int(error.status), str(error.code)


class Builder:
    """Collects the operations and the schemas they reference, then renders the document."""

    def __init__(self) -> None:
        self.adapters: list[tuple[tuple[str, str], JsonSchemaMode, TypeAdapter[Any]]] = []
        self.refs: dict[tuple[str, str], dict[str, Any]] = {}

    def want(self, key: str, kind: Any, mode: JsonSchemaMode) -> tuple[str, str]:
        """Ask for the schema of a type; it is filled in by resolve()."""
        slot = (key, mode)
        if all(slot != a[0] for a in self.adapters):
            self.adapters.append((slot, mode, TypeAdapter(kind)))
        return slot

    def resolve(self) -> dict[str, Any]:
        schemas, definitions = TypeAdapter.json_schemas(self.adapters, ref_template=REF)
        self.refs = {slot: schema for (slot, _), schema in schemas.items()}
        defs: dict[str, Any] = definitions.get("$defs", {})
        return defs


def _key(kind: Any) -> str:
    return repr(kind) if not isinstance(kind, type) else f"{kind.__module__}.{kind.__qualname__}"


def _problem_schemas() -> dict[str, Any]:
    problem = {
        "type": "object",
        "title": "Problem",
        "description": "An RFC 9457 problem: the status again, a stable machine `code` and a human `detail`.",
        "required": ["type", "title", "status", "detail", "code", "request_id"],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": "https://mimivibes.app/problems/<code>",
            },
            "title": {"type": "string", "description": "The status's title, e.g. Not found."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {
                "type": "string",
                "description": "For the user, in their language (the token's profile language, else "
                "Accept-Language; Thai first), with the next step where there is one. May change: branch on "
                "`code`, not on this.",
            },
            "code": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9_]*$",
                "description": "Stable machine code; each operation lists the ones it can answer.",
            },
            "request_id": {
                "type": "string",
                "description": "Also sent as the X-Request-Id header.",
            },
        },
        "additionalProperties": True,
    }
    field_error = {
        "type": "object",
        "title": "FieldError",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {
                "type": "array",
                "items": {"type": ["string", "integer"]},
                "description": "Where: body, query, path or header, then the field path.",
            },
            "msg": {"type": "string"},
            "type": {"type": "string", "description": "pydantic's type."},
        },
    }
    validation = {
        "title": "ValidationProblem",
        "description": "A 422 problem. When the request failed its model (`validation_failed`), `errors` lists "
        "every failing field; other 422 codes (a check made past the model) carry no `errors`.",
        "allOf": [
            {"$ref": REF.format(model="Problem")},
            {
                "type": "object",
                "properties": {
                    "errors": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": REF.format(model="FieldError")},
                    }
                },
            },
        ],
    }
    return {"Problem": problem, "FieldError": field_error, "ValidationProblem": validation}


HEADERS = {
    "X-Request-Id": {
        "description": "The request's id (the caller's X-Request-Id, or a new one); in every log line.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
    },
    "WWW-Authenticate": {
        "description": "`Bearer` when the token is missing.",
        "schema": {"type": "string"},
    },
}


class Operation:
    """One route as an OpenAPI operation."""

    def __init__(self, function: str, route: Route, builder: Builder) -> None:
        self.function, self.route, self.builder = function, route, builder
        self.body = builder.want(_key(route.body), route.body, "validation") if route.body else None
        if route.raw_model:
            self.body = builder.want(_key(route.raw_model), route.raw_model, "validation")
        self.query = (
            builder.want(_key(route.query), route.query, "validation") if route.query else None
        )
        self.response = (
            builder.want(_key(route.response), route.response, "serialization")
            if route.response is not None
            else None
        )

    @property
    def path(self) -> str:
        return f"/functions/{self.function}{self.route.path}"

    def render(self, defs: dict[str, Any]) -> dict[str, Any]:
        route = self.route
        op: dict[str, Any] = {
            "tags": [self.function],
            "operationId": f"{self.function}.{route.handler.__name__}",
            "summary": route.summary,
            "description": self.description(),
            "parameters": self.parameters(defs),
            "responses": self.responses(),
        }
        if not op["parameters"]:
            del op["parameters"]
        if self.body:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": self.builder.refs[self.body]}},
            }
        op["security"] = [{"bearer": []}] if route.auth else []
        return op

    def description(self) -> str:
        route = self.route
        doc = " ".join((route.handler.__doc__ or route.summary).split())
        notes = [doc]
        if route.auth:
            notes.append("Needs the caller's access token (`Authorization: Bearer`).")
        signed = [h for h in route.headers if h in SIGNATURES]
        if signed:
            notes.append(f"Server to server only: the raw body must carry a valid `{signed[0]}`.")
        elif not route.auth:
            notes.append("Public: no token.")
        if "Idempotency-Key" in route.headers:
            notes.append("Send an `Idempotency-Key` so a retried tap applies once.")
        return " ".join(notes)

    def parameters(self, defs: dict[str, Any]) -> list[dict[str, Any]]:
        params = [path_parameter(self.route, name) for name in self.route.path_params]
        if self.query:
            params += _query_parameters(self.builder.refs[self.query], defs)
        for header in self.route.headers:
            if header in SIGNATURES:
                params.append(
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "description": SIGNATURES[header],
                        "schema": {"type": "string", "minLength": 1},
                    }
                )
            elif header == "Idempotency-Key":
                required = any(e.code == IDEMPOTENCY_KEY_REQUIRED for e in self.route.errors)
                params.append(
                    {
                        "name": header,
                        "in": "header",
                        "required": required,
                        "description": IDEMPOTENCY_KEY_MUST if required else IDEMPOTENCY_KEY,
                        "schema": {
                            "type": "string",
                            "minLength": 8,
                            "maxLength": 100,
                            "pattern": "^[!-~]([ -~]*[!-~])?$",
                        },
                    }
                )
            else:
                params.append(
                    {
                        "name": header,
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    }
                )
        return params

    def responses(self) -> dict[str, Any]:
        route, out = self.route, {}
        headers: dict[str, Any] = {"X-Request-Id": HEADERS["X-Request-Id"]}
        headers.update(
            {
                name: {"required": True, "schema": {"type": "string", "const": value}}
                for name, value in route.response_headers
            }
        )
        for status in (route.status, *route.also):
            answer: dict[str, Any] = {
                "description": TITLES.get(status, "OK") if status >= 300 else "OK",
                "headers": headers,
            }
            if status == 204 or self.response is None:
                answer["description"] = "No content." if status == 204 else "OK"
            else:
                answer["content"] = {
                    "application/json": {"schema": self.builder.refs[self.response]}
                }
            out[str(status)] = answer
        with_fields = {error.code: error for error in route.errors if error.fields}
        for status, codes in error_codes(route).items():
            out[str(status)] = _problem_response(status, codes, with_fields)
        return out


def path_parameter(route: Route, name: str) -> dict[str, Any]:
    """A path parameter as its route types it: a UUID when its parse function returns one, else a string."""
    parse = route.parse.get(name)
    returns = get_type_hints(parse).get("return") if parse is not None else None
    if UUID in (returns, *get_args(returns)):
        noun = name.removesuffix("_id").replace("_", " ")
        description = f"A {noun} id (a UUID); any other value answers 404."
        schema: dict[str, Any] = {"type": "string", "format": "uuid"}
    else:
        description = PATH_NAMES.get(name, f"The {name.replace('_', ' ')}.")
        schema = {"type": "string", "minLength": 1}
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _problem_response(
    status: int, codes: list[str], with_fields: dict[str, type[AppError]]
) -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in codes)
    headers: dict[str, Any] = {"X-Request-Id": HEADERS["X-Request-Id"]}
    if status == 429:
        headers["Retry-After"] = HEADERS["Retry-After"]
    if status == 401:
        headers["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
    return {
        "description": f"{TITLES.get(status, 'Error')}. Codes: {listed}.",
        "headers": headers,
        "content": {PROBLEM: {"schema": _problem_schema(status, codes, with_fields)}},
        "x-codes": codes,
    }


def _problem_schema(
    status: int, codes: list[str], with_fields: dict[str, type[AppError]]
) -> dict[str, Any]:
    """The problem of a status: the generic one, or, when a code carries fields, one schema per such code and
    the generic one for the other codes (its `code` limited to them, so a typed client narrows on `code`)."""
    generic = REF.format(model="ValidationProblem" if status == 422 else "Problem")
    coded = [code for code in codes if code in with_fields]
    if not coded:
        return {"$ref": generic}
    branches: list[dict[str, Any]] = [
        {"$ref": REF.format(model=problem_name(code))} for code in coded
    ]
    others = [code for code in codes if code not in with_fields]
    if others:
        limited = {"type": "object", "required": ["code"], "properties": {"code": {"enum": others}}}
        branches.append({"allOf": [{"$ref": generic}, limited]})
    return branches[0] if len(branches) == 1 else {"oneOf": branches}


def problem_name(code: str) -> str:
    """The schema name of a code's problem: insufficient_credits -> InsufficientCreditsProblem."""
    return "".join(word.capitalize() for word in code.split("_")) + "Problem"


def coded_problem_schemas(errors: Iterable[type[AppError]]) -> dict[str, Any]:
    """A schema per code that carries fields: the problem, its code, and each field it always has."""
    schemas = {}
    for error in sorted({e for e in errors if e.fields}, key=lambda e: e.code):
        schemas[problem_name(error.code)] = {
            "title": problem_name(error.code),
            "description": f"`{error.code}` ({error.status}): the problem with what a client needs to offer "
            "the next step.",
            "allOf": [
                {"$ref": REF.format(model="Problem")},
                {
                    "type": "object",
                    "required": ["code", *error.fields],
                    "properties": {"code": {"const": error.code}, **error.fields},
                },
            ],
        }
    return schemas


def _query_parameters(ref: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    model = defs[ref["$ref"].rsplit("/", 1)[-1]]
    required = set(model.get("required", ()))
    params = []
    for name, prop in model.get("properties", {}).items():
        schema = {k: v for k, v in prop.items() if k not in {"title", "description"}}
        if (
            "anyOf" in schema
        ):  # a query value is never JSON null: `T | None` means "may be left out"
            kinds = [s for s in schema.pop("anyOf") if s != {"type": "null"}]
            schema.update(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})
            if schema.get("default", 0) is None:
                del schema["default"]
        param = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if prop.get("description"):
            param["description"] = prop["description"]
        params.append(param)
    return params


def build(tables: dict[str, Router] | None = None) -> dict[str, Any]:
    """The whole document."""
    tables = tables if tables is not None else routers()
    builder = Builder()
    operations = [
        Operation(name, route, builder)
        for name, router in tables.items()
        for route in router.routes
    ]
    defs = builder.resolve()
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.route.method.lower()] = op.render(defs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "MiMiVibes API", "version": __version__, "description": INFO},
        "servers": [
            {"url": "/", "description": "the dev server (make dev); on AWS, each function's URL"}
        ],
        "tags": [{"name": name, "description": function_doc(name)} for name in tables],
        "paths": paths,
        "components": {
            "schemas": {
                **dict(sorted(defs.items())),
                **_problem_schemas(),
                **coded_problem_schemas(e for op in operations for e in op.route.errors),
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The access token from POST /functions/auth/line or /functions/auth/refresh.",
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# README's route list


def _fields(schema: dict[str, Any] | None, defs: dict[str, Any]) -> str:
    if not schema:
        return ""
    name = str(schema.get("$ref", "")).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_fields(schema['items'], defs)}]"
    if name not in defs:
        return name
    model = defs[name]
    if "properties" not in model:
        return name
    required = set(model.get("required", ()))
    keys = ", ".join(k if k in required else f"{k}?" for k in model["properties"])
    return f"`{{{keys}}}`"


def route_list(document: dict[str, Any]) -> str:
    """Markdown: one table per function (method, path, auth, body, answers, error codes)."""
    defs = document["components"]["schemas"]
    lines = [
        "Generated by `make openapi` from the route tables (the full contract is `openapi.json`, served by "
        "`make dev` at `/openapi.json` and readable at `/docs`). Auth: `bearer` = the app's access token; "
        "`signed` = the caller's signature header. Every answer carries X-Request-Id; every error is "
        "problem+json."
    ]
    for tag in document["tags"]:
        name = tag["name"]
        lines += [
            "",
            f"**{name}**: {tag['description']}",
            "",
            "| method | path | auth | body | answers | error codes |",
            "|---|---|---|---|---|---|",
        ]
        for path, item in document["paths"].items():
            for method, op in item.items():
                if op["tags"] != [name]:
                    continue
                lines.append(_row(method, path, op, defs))
    return "\n".join(lines)


def _row(method: str, path: str, op: dict[str, Any], defs: dict[str, Any]) -> str:
    signed = [p["name"] for p in op.get("parameters", []) if p["name"] in SIGNATURES]
    auth = "bearer" if op["security"] else f"signed ({signed[0]})" if signed else "public"
    body = _fields(
        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema"), defs
    )
    query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    if query:
        body = (body + " " if body else "") + "?" + "&".join(query)
    answers, errors = [], []
    for status, response in op["responses"].items():
        if "x-codes" in response:
            errors.append(f"{status} " + ", ".join(response["x-codes"]))
        else:
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            answers.append(f"{status} {_fields(schema, defs)}".strip())
    cells = [method.upper(), f"`{path}`", auth, body or "-", "; ".join(answers), "; ".join(errors)]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def readme_with(readme: str, routes: str) -> str:
    """README with the route list between its markers."""
    pattern = re.compile(re.escape(ROUTES_START) + ".*?" + re.escape(ROUTES_END), re.S)
    if not pattern.search(readme):
        raise LookupError(f"README.md has no {ROUTES_START} ... {ROUTES_END} markers")
    return pattern.sub(lambda _: f"{ROUTES_START}\n{routes}\n{ROUTES_END}", readme)


def outputs() -> dict[Path, str]:
    """Every file `make openapi` writes, with its content."""
    document = build()
    return {
        DOCUMENT: render(document),
        README: readme_with(README.read_text(), route_list(document)),
    }


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a file is stale; write nothing"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    files = outputs()
    stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run make openapi)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.write_text(text)
    print(f"wrote {DOCUMENT.relative_to(ROOT)} and README.md's route list")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
