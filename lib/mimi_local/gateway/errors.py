"""PostgREST-shaped errors for the local gateway: JSON body, headers, and SQLSTATE -> HTTP status mapping."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"

# Exact SQLSTATEs first, then two-character classes, as PostgREST's mapSQLtoHTTP does.
_EXACT_STATUS = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "53400": 500,
    "57P01": 503,
    "P0001": 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
}
_CLASS_STATUS = {
    "08": 503,
    "09": 500,
    "0L": 403,
    "0P": 403,
    "25": 500,
    "28": 403,
    "2D": 500,
    "38": 500,
    "39": 500,
    "3B": 500,
    "40": 500,
    "53": 503,
    "54": 500,
    "55": 500,
    "57": 500,
    "58": 500,
    "F0": 500,
    "HV": 500,
    "P0": 500,
    "XX": 500,
}


@dataclass
class GatewayError(Exception):
    """An error rendered the way PostgREST renders it."""

    status: int
    code: str
    message: str
    details: str | None = None
    hint: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def not_supported(feature: str) -> GatewayError:
    """A PostgREST feature this gateway lacks (501, so it is never mistaken for a client error)."""
    return GatewayError(
        501,
        "PGRST127",
        f"not supported by the local gateway: {feature}",
        details="The local gateway implements only the PostgREST subset this project uses.",
    )


def query_param_error(message: str, details: str) -> GatewayError:
    """PGRST100: a query string parameter could not be parsed."""
    return GatewayError(400, "PGRST100", message, details=details)


def error_response(err: GatewayError) -> Response:
    """The HTTP response for an error, with PostgREST's Proxy-Status header."""
    body = json.dumps(
        {"code": err.code, "details": err.details, "hint": err.hint, "message": err.message},
        ensure_ascii=False,
    )
    headers = {"Proxy-Status": f"PostgREST; error={err.code}", **err.headers}
    return Response(body, status_code=err.status, headers=headers, media_type=JSON_TYPE)


def status_for_sqlstate(sqlstate: str, message: str, authed: bool) -> int:
    """PostgREST's HTTP status for a SQLSTATE raised by Postgres."""
    if sqlstate == "42501":
        return 403 if authed else 401
    if sqlstate == "21000":
        return 400 if message.endswith("requires a WHERE clause") else 500
    if sqlstate == "22023":
        return 401 if message.startswith("role") and message.endswith("does not exist") else 400
    if sqlstate.startswith("PT"):
        return (
            int(sqlstate[2:]) if sqlstate[2:].isdigit() and 100 <= int(sqlstate[2:]) <= 599 else 500
        )
    if sqlstate in _EXACT_STATUS:
        return _EXACT_STATUS[sqlstate]
    return _CLASS_STATUS.get(sqlstate[:2], 400)


def from_pg_error(exc: psycopg.Error, authed: bool) -> GatewayError:
    """Translate a psycopg error into the PostgREST error for it."""
    if isinstance(exc, PoolTimeout):
        return GatewayError(504, "PGRST003", "Timed out acquiring connection from connection pool.")
    diag = exc.diag
    if diag.sqlstate is None:
        return GatewayError(503, "PGRST000", "Database connection error.", details=str(exc) or None)
    message = diag.message_primary or str(exc)
    if diag.sqlstate == "PGRST":
        return _from_raise_pgrst(message, diag.message_detail)
    err = GatewayError(
        status_for_sqlstate(diag.sqlstate, message, authed),
        diag.sqlstate,
        message,
        details=diag.message_detail,
        hint=diag.message_hint,
    )
    if err.status == 401:
        err.headers["WWW-Authenticate"] = "Bearer"
    return err


def _from_raise_pgrst(message: str, detail: str | None) -> GatewayError:
    """`RAISE SQLSTATE 'PGRST'` with JSON message and detail: full control of code, status and headers."""
    body = _json_object(message)
    if (
        body is None
        or not isinstance(body.get("code"), str)
        or not isinstance(body.get("message"), str)
    ):
        return _pgrst121(
            f"Invalid JSON value for MESSAGE: '{message}'",
            "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional "
            "keys: 'details', 'hint'.",
        )
    if detail is None:
        return _pgrst121("DETAIL is missing in the RAISE statement", _DETAIL_HINT)
    meta = _json_object(detail)
    status = meta.get("status") if meta else None
    headers = meta.get("headers", {}) if meta else None
    if not isinstance(status, int) or not isinstance(headers, dict):
        return _pgrst121(f"Invalid JSON value for DETAIL: '{detail}'", _DETAIL_HINT)
    return GatewayError(
        status,
        body["code"],
        body["message"],
        details=_opt_str(body.get("details")),
        hint=_opt_str(body.get("hint")),
        headers={str(k): str(v) for k, v in headers.items()},
    )


_DETAIL_HINT = (
    "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: "
    "'status_text'."
)


def _pgrst121(details: str, hint: str) -> GatewayError:
    """PGRST121: the JSON in a RAISE SQLSTATE 'PGRST' could not be parsed."""
    return GatewayError(
        500,
        "PGRST121",
        "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error",
        details=details,
        hint=hint,
    )


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in text, or None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _opt_str(value: object) -> str | None:
    """value as a string, keeping None."""
    return None if value is None else str(value)
