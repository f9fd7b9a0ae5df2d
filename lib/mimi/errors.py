"""One error tree. Every AppError renders as RFC 9457 problem+json with a stable machine `code`."""

from __future__ import annotations

from typing import Any, ClassVar

# A field's JSON Schema, as openapi.json documents it (an integer, or a date as a string)
FieldSchema = dict[str, Any]


class AppError(Exception):
    """A failure the client may see: status, stable code, an internal detail (never shown: the client gets the
    text of mimi.error_texts in its language) and the `fields` a client needs to offer the next step."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    # the numbers this code carries in its problem+json (each required, documented per code in openapi.json)
    fields: ClassVar[dict[str, FieldSchema]] = {}

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def from_sql(cls, detail: str, fields: dict[str, Any]) -> AppError:
        """The error a SQL function raised, with the fields of its HINT that this code declares."""
        return cls(detail, **{name: fields[name] for name in cls.fields if name in fields})


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class ValidationFailed(AppError):
    status, code, title = 422, "validation_failed", "Validation failed"


class UnstorableInput(ValidationFailed):
    """Postgres refused a value of the request itself (SQLSTATE class 22, data exception): text it cannot store,
    a number or date out of its range. The client's input, so 422, and nothing was written."""

    code = "unstorable_input"


class RateLimited(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"
    fields = {
        "retry_after": {
            "type": "integer",
            "minimum": 1,
            "description": "Seconds to wait before trying again (also the Retry-After header).",
        }
    }

    def __init__(
        self, detail: str, *, retry_after_s: int | None = None, code: str | None = None
    ) -> None:
        if retry_after_s is None:  # a limit that cannot say when (every limit here says it)
            super().__init__(detail, code=code)
            return
        super().__init__(
            detail,
            code=code,
            headers={"Retry-After": str(max(1, retry_after_s))},
            retry_after=max(1, retry_after_s),
        )

    @classmethod
    def from_sql(cls, detail: str, fields: dict[str, Any]) -> AppError:
        """A SQL limit's refusal: its HINT says the seconds to wait, sent as Retry-After too."""
        wait = fields.get("retry_after")
        return cls(detail, retry_after_s=wait if isinstance(wait, int) else None)


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class RateLimitUnavailable(ServiceUnavailable):
    """Redis could not count the request, and the limit fails closed."""

    code = "rate_limit_unavailable"


TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    402: "Payment required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem+json body for a status, code and detail."""
    body: dict[str, Any] = {
        "type": f"https://mimivibes.app/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return body
