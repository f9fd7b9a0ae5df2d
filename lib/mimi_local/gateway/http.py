"""HTTP edges of a read: Accept negotiation, Prefer: count, Content-Range, the singular-object rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from starlette.responses import Response

from mimi_local.gateway.errors import JSON_TYPE, GatewayError, error_response, not_supported
from mimi_local.gateway.sql import Statement

OBJECT_TYPE = "application/vnd.pgrst.object+json"
ARRAY_TYPES = {"application/json", "application/vnd.pgrst.array+json", "application/*", "*/*"}
# Media types real PostgREST can produce and this gateway cannot: 501, not PostgREST's 406.
OTHER_PGRST_TYPES = {
    "text/csv",
    "text/plain",
    "text/xml",
    "application/octet-stream",
    "application/geo+json",
    "application/openapi+json",
}
COUNT_PREFERENCES = {"count=exact", "count=planned", "count=estimated"}


@dataclass(frozen=True)
class Page:
    """One read's result: the JSON body, rows in this page, and the total when counted."""

    body: str
    rows: int
    total: int | None

    @classmethod
    async def fetch(cls, conn: AsyncConnection[Any], stmt: Statement, singular: bool) -> Page:
        """Run a compiled read; a singular request must match exactly one row (PGRST116, rolled back)."""
        row = await (await conn.execute(stmt.query, stmt.params)).fetchone()
        if row is None:
            raise GatewayError(500, "PGRSTX00", "The read returned no result row")
        page = cls(str(row[0]), int(row[1]), None if row[2] is None else int(row[2]))
        if singular and page.rows != 1:
            raise GatewayError(
                406,
                "PGRST116",
                "Cannot coerce the result to a single JSON object",
                details=f"The result contains {page.rows} rows",
            )
        return page


def negotiate_singular(accept: str | None) -> bool:
    """True for `application/vnd.pgrst.object+json`, False for JSON arrays; else 501 or 406 (PGRST107)."""
    if not accept:
        return False
    offered = []
    for item in accept.split(","):
        media, *params = [part.strip().lower() for part in item.split(";")]
        if any(p.replace(" ", "").startswith("nulls=") for p in params):
            raise not_supported(f"Accept: {item.strip()}")
        if media == OBJECT_TYPE:
            return True
        if media in ARRAY_TYPES:
            return False
        offered.append(media)
    if any(m in OTHER_PGRST_TYPES or m.startswith("application/vnd.pgrst.") for m in offered):
        raise not_supported(f"Accept: {accept}")
    raise GatewayError(
        406, "PGRST107", f"None of these media types are available: {', '.join(offered)}"
    )


def wants_count(prefer: list[str]) -> bool:
    """Whether `Prefer: count=...` asks for the total row count."""
    preferences = {p.strip() for header in prefer for p in header.split(",")}
    return bool(preferences & COUNT_PREFERENCES)


def page_response(page: Page, offset: int, singular: bool, *, head: bool) -> Response:
    """The response for a read, with PostgREST's Content-Range and 206 / 416 statuses."""
    upper = offset + page.rows - 1
    total = page.total
    if total is not None and offset > total:
        err = GatewayError(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            details=f"An offset of {offset} was requested, but there are only {total} rows.",
        )
        return _with_range(error_response(err), offset, upper, total)
    status = 206 if total is not None and page.rows < total else 200
    media = f"{OBJECT_TYPE}; charset=utf-8" if singular else JSON_TYPE
    response = Response(b"" if head else page.body.encode(), status_code=status, media_type=media)
    return _with_range(response, offset, upper, total)


def _with_range(response: Response, lower: int, upper: int, total: int | None) -> Response:
    """Add `Content-Range: lower-upper/total` (`*` where unknown or empty)."""
    span = f"{lower}-{upper}" if total != 0 and lower <= upper else "*"
    response.headers["Content-Range"] = f"{span}/{'*' if total is None else total}"
    return response
