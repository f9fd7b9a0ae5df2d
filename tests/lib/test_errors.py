"""Error mapping: every code the SQL functions raise is a named class, and PostgREST errors map onto them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from postgrest import APIError

from mimi.auth.errors import RefreshTokenInvalid
from mimi.credits.errors import InsufficientCredits
from mimi.db import SQL_ERRORS, DatabaseError, to_app_error
from mimi.errors import AppError, Forbidden, RateLimited
from mimi.idempotency import IdempotencyKeyReused
from mimi.readings.errors import ReadingNotFound

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"
# private.fail(<status>, '<code>', ...) and the raw `raise exception using errcode = 'PT<status>', message = '<code>'`
RAISED = (
    re.compile(r"private\.fail\((\d{3}),\s*'([a-z_]+)'"),
    re.compile(r"errcode = 'PT(\d{3})', message = '([a-z_]+)'"),
)
# the one code raised at two statuses: another operation's key (409), other parameters (422, as Stripe)
TWO_STATUSES = {("idempotency_key_reused", 409)}


def sql_codes() -> set[tuple[str, int]]:
    text = "\n".join(p.read_text() for p in sorted(MIGRATIONS.glob("*.sql")))
    return {(code, int(status)) for pattern in RAISED for status, code in pattern.findall(text)}


def api_error(sqlstate: str, message: str, details: str | None = "The detail.") -> APIError:
    return APIError({"code": sqlstate, "message": message, "details": details, "hint": None})


def test_the_migrations_raise_codes_this_test_can_see() -> None:
    codes = sql_codes()
    assert len(codes) >= 30
    assert ("reading_not_found", 404) in codes
    assert ("refresh_token_expired", 401) in codes


@pytest.mark.parametrize(("code", "status"), sorted(sql_codes()))
def test_every_sql_code_is_a_named_class_with_its_status(code: str, status: int) -> None:
    cls = SQL_ERRORS.get(code)
    assert cls is not None, f"no error class for the SQL code {code!r}"
    assert cls.code == code
    assert cls.status == status or (code, status) in TWO_STATUSES


def test_a_coded_sql_error_becomes_its_class_with_the_sql_detail() -> None:
    error = to_app_error(api_error("PT404", "reading_not_found", "No such reading."))
    assert type(error) is ReadingNotFound
    assert (error.status, error.code, error.detail) == (
        404,
        "reading_not_found",
        "No such reading.",
    )


def test_the_status_sql_raised_wins_over_the_class_default() -> None:
    error = to_app_error(api_error("PT409", "idempotency_key_reused"))
    assert type(error) is IdempotencyKeyReused
    assert (error.status, IdempotencyKeyReused.status) == (409, 422)


def test_a_raw_pt401_raise_maps_too() -> None:
    assert type(to_app_error(api_error("PT401", "refresh_token_invalid"))) is RefreshTokenInvalid


def api_error_with(sqlstate: str, message: str, hint: str | None) -> APIError:
    return APIError({"code": sqlstate, "message": message, "details": "The detail.", "hint": hint})


def test_a_sql_rate_limit_says_when_in_its_hint_and_the_header() -> None:
    error = to_app_error(api_error_with("PT429", "rate_limited", '{"retry_after": 3}'))
    assert type(error) is RateLimited
    assert (error.status, error.headers, error.extra) == (
        429,
        {"Retry-After": "3"},
        {"retry_after": 3},
    )


def test_a_sql_refusal_keeps_only_the_fields_its_code_declares() -> None:
    hint = '{"price": 2, "stars": 1, "free_points": 0, "user_id": "someone"}'
    error = to_app_error(api_error_with("PT409", "insufficient_credits", hint))
    assert type(error) is InsufficientCredits
    assert error.extra == {"price": 2, "stars": 1, "free_points": 0}


@pytest.mark.parametrize("hint", [None, "", "not json", "[1, 2]", '"text"'])
def test_a_hint_that_is_not_a_json_object_gives_no_fields(hint: str | None) -> None:
    error = to_app_error(api_error_with("PT409", "insufficient_credits", hint))
    assert (type(error), error.extra) == (InsufficientCredits, {})


def test_the_detail_falls_back_to_the_message() -> None:
    error = to_app_error(api_error("PT409", "insufficient_credits", None))
    assert type(error) is InsufficientCredits
    assert error.detail == "insufficient_credits"


def test_an_unknown_machine_code_keeps_its_code_and_status() -> None:
    error = to_app_error(api_error("PT418", "not_a_known_code"))
    assert type(error) is AppError
    assert (error.status, error.code) == (418, "not_a_known_code")


def test_a_refusal_without_our_code_hides_the_database_text() -> None:
    error = to_app_error(api_error("42501", 'permission denied for table "wallets"'))
    assert type(error) is Forbidden
    assert (error.status, error.code, error.detail) == (
        403,
        "forbidden",
        "You are not allowed to do this.",
    )


@pytest.mark.parametrize("sqlstate", ["57014", "XX000", "PGRST000"])
def test_a_database_failure_is_a_retryable_503(sqlstate: str) -> None:
    error = to_app_error(api_error(sqlstate, "canceling statement due to statement timeout"))
    assert type(error) is DatabaseError
    assert (error.status, error.code) == (503, "database_error")


def test_a_machine_code_with_a_5xx_status_is_not_trusted() -> None:
    error = to_app_error(api_error("PT503", "something_internal"))
    assert (type(error), error.code) == (DatabaseError, "database_error")
