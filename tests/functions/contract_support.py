"""Check a request or a response against openapi.json with jsonschema: the operation, its parameters and bodies."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator

from mimi_ops import openapi

DOC: dict[str, Any] = json.loads(openapi.DOCUMENT.read_text())


def _validate(schema: dict[str, Any], value: Any, where: str) -> None:
    validator = Draft202012Validator(
        {**schema, "components": DOC["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [
        f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(value)
    ]
    assert errors == [], errors


def operation(method: str, path: str) -> dict[str, Any]:
    """The documented operation a request reaches (AssertionError when there is none)."""
    for template, item in DOC["paths"].items():
        pattern = "^" + re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            op: dict[str, Any] = item[method.lower()]
            return op
    raise AssertionError(f"{method} {path} is not in openapi.json")


def check_request(op: dict[str, Any], query: str, headers: dict[str, str], body: bytes) -> None:
    """A well-formed request: its parameters, security and JSON body as documented."""
    given = {k.lower(): v for k, v in headers.items()}
    values = dict(parse_qsl(query))
    for param in op.get("parameters", []):
        source = values if param["in"] == "query" else given if param["in"] == "header" else None
        if source is None:
            continue
        value = source.get(param["name"] if param["in"] == "query" else param["name"].lower())
        assert value is not None or not param["required"], f"{param['name']} is required"
        if value is not None:
            typed = int(value) if param["schema"].get("type") == "integer" else value
            _validate(param["schema"], typed, param["name"])
    if op["security"]:
        assert given.get("authorization", "").startswith("Bearer "), "the bearer token is missing"
    if "requestBody" in op:
        assert given.get("content-type", "").startswith("application/json")
        _validate(
            op["requestBody"]["content"]["application/json"]["schema"], json.loads(body), "body"
        )


def check_response(op: dict[str, Any], status: int, headers: dict[str, str], body: bytes) -> None:
    """A documented status, content type, required headers and body."""
    assert str(status) in op["responses"], f"{status} is not documented for {op['operationId']}"
    documented = op["responses"][str(status)]
    given = {k.lower(): v for k, v in headers.items()}
    for name, header in documented.get("headers", {}).items():
        assert not header.get("required") or name.lower() in given, f"header {name} is missing"
    content = documented.get("content")
    if not content:
        assert not body, f"{status} has a body the document does not describe"
        return
    kind = given.get("content-type", "").split(";")[0]
    assert kind in content, f"{kind} is not documented for {status}"
    _validate(content[kind]["schema"], json.loads(body), f"{status} body")
