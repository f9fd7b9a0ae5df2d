"""Profile queries, always as the user (RLS applies)."""

from __future__ import annotations

from typing import Any

import httpx
from postgrest import APIError

from mimi.auth.deps import Caller
from mimi.db import call, to_app_error
from mimi.errors import ServiceUnavailable


def my_profile(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "my_profile")
    return result


def update_profile(caller: Caller, display_name: str | None, language: str | None) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "update_profile",
                                  {"p_display_name": display_name, "p_language": language})
    return result


def ledger_page(caller: Caller, before_id: str | None, limit: int) -> list[dict[str, Any]]:
    query = caller.db().table("ledger").select("id,currency,delta,reason,ref,created_at")
    if before_id is not None:
        query = query.lt("id", before_id)
    try:
        rows: list[dict[str, Any]] = list(query.order("id", desc=True).limit(limit + 1).execute().data)  # type: ignore[arg-type]
    except APIError as err:
        raise to_app_error(err) from None
    except httpx.HTTPError:
        raise ServiceUnavailable("The database is unreachable.", code="database_unavailable") from None
    return rows
