"""Postgres through supabase-py's PostgREST client (`postgrest`): one client acting as the user, one as the service."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import httpx
from postgrest import APIError, SyncPostgrestClient
from pydantic import BaseModel

from mimi import http
from mimi.admin import errors as admin
from mimi.auth import errors as auth
from mimi.config import get_settings
from mimi.credits import errors as credits
from mimi.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UnstorableInput,
)
from mimi.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey
from mimi.payments import errors as payments
from mimi.profile import errors as profile
from mimi.readings import errors as readings
from mimi.reconcile import errors as reconcile
from mimi.sharing import errors as sharing

M = TypeVar("M", bound=BaseModel)

MACHINE_CODE = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
SQLSTATE_STATUS = {
    "P0001": 400,
    "23505": 409,
    "23503": 409,
    "23514": 400,
    "42501": 403,
    "PGRST116": 404,
    "40001": 503,
    "57014": 503,
}
DATA_EXCEPTION = "22"  # SQLSTATE class 22: a value Postgres cannot take (UnstorableInput, 422)
# what the client is told when the database refuses without one of our codes (its own text names our schema)
GENERIC_DETAIL = {
    401: "The database did not accept these credentials.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    409: "The request conflicts with stored data.",
}

# Every code the SQL functions raise (private.fail and the raw `raise ... errcode 'PT<status>'`), as its class.
SQL_ERRORS: dict[str, type[AppError]] = {
    cls.code: cls
    for cls in (
        auth.NotAuthenticated,
        auth.AccountDeleted,
        auth.RefreshTokenInvalid,
        auth.RefreshTokenExpired,
        credits.WalletNotFound,
        credits.AccountFrozen,
        credits.LedgerAppendOnly,
        credits.InsufficientCredits,
        credits.InsufficientCoins,
        credits.InvalidPrice,
        credits.InvalidAmount,
        credits.InvalidChanges,
        credits.AlreadyCheckedIn,
        credits.AlreadyReferred,
        credits.ReferralCodeUnknown,
        credits.SelfReferral,
        profile.InvalidDisplayName,
        profile.InvalidLanguage,
        profile.InvalidLegacyUser,
        profile.InvalidNotifyLine,
        readings.ReadingNotFound,
        readings.ReadingNotQueued,
        readings.ReadingNotClaimed,
        readings.ReadingNotCompleted,
        readings.AlreadyReviewed,
        readings.InvalidQuestion,
        readings.InvalidDepth,
        readings.InvalidAccuracy,
        readings.InvalidComment,
        readings.SweepTooEarly,
        readings.SpreadUnknown,
        readings.FollowUpLimit,
        readings.InvalidDraft,
        readings.DraftTooLarge,
        readings.ReadingCardsDiffer,
        payments.PackageNotFound,
        payments.PackageNotPurchasable,
        payments.PaymentIntentConflict,
        payments.InvalidPaymentIntent,
        admin.NotAdmin,
        admin.UserNotFound,
        admin.OwnWallet,
        admin.SecondAdminRequired,
        admin.AdjustmentRequestNotFound,
        admin.AdjustmentRequestDecided,
        admin.InvalidDecision,
        admin.InvalidRequestStatus,
        admin.InvalidUserQuery,
        admin.ReasonRequired,
        admin.InvalidCurrency,
        admin.InvalidClawback,
        admin.BalanceWouldGoNegative,
        admin.InvalidFrozen,
        admin.DisputeOpen,
        admin.PaymentNotFound,
        admin.InvalidResolution,
        admin.PaymentNotFlagged,
        admin.PaymentNotCreditable,
        admin.InvalidReadingState,
        admin.ReadingNotRetryable,
        admin.ReadingNotRefundable,
        admin.ReadingDeleted,
        admin.SettingNotFound,
        admin.InvalidSettingValue,
        admin.InvalidPackage,
        admin.SpreadNotFound,
        admin.InvalidSpread,
        reconcile.InvalidIntents,
        sharing.ShareNotFound,
        sharing.TooManyShares,
        sharing.InvalidShareToken,
        IdempotencyKeyReused,
        InvalidIdempotencyKey,
        RateLimited,
    )
}


class DatabaseError(ServiceUnavailable):
    """The database refused without one of our codes, or failed: retryable, no internals shown."""

    code = "database_error"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


def _client(
    key: str, token: str | None = None, timeout_s: float | None = None
) -> SyncPostgrestClient:
    """A PostgREST client sending the API key as `apikey` and, for a user, their JWT as the Bearer.

    An API key is never a Bearer: Supabase refuses a publishable or secret key there (not a JWT) and maps the
    `apikey` header alone to its role.
    """
    s = get_settings()
    headers = {"apikey": key, "Accept": "application/json", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    client = http.client(timeout_s or s.db_timeout_s)
    return SyncPostgrestClient(f"{s.supabase_url}/rest/v1", headers=headers, http_client=client)


@lru_cache(maxsize=2)
def service_client(timeout_s: float | None = None) -> SyncPostgrestClient:
    """The service-role PostgREST client (bypasses RLS): for signed server-only callers.

    timeout_s: a longer wait than db_timeout_s, for the one call allowed to run long (the nightly reconcile)."""
    return _client(get_settings().supabase_service_role_key.get_secret_value(), timeout_s=timeout_s)


def user_client(access_token: str) -> SyncPostgrestClient:
    """A PostgREST client acting as the user: their JWT goes to Postgres, so RLS applies."""
    return _client(get_settings().supabase_anon_key.get_secret_value(), access_token)


def anon_client() -> SyncPostgrestClient:
    """A PostgREST client with only the publishable (anon) key: public data, the health probe."""
    return _client(get_settings().supabase_anon_key.get_secret_value())


def to_app_error(err: APIError) -> AppError:
    """Map a PostgREST error to an AppError; SQL functions raise their stable code as the message."""
    sqlstate = err.code or ""
    status = (
        int(sqlstate[2:])
        if re.fullmatch(r"PT\d{3}", sqlstate)
        else SQLSTATE_STATUS.get(sqlstate, 503)
    )
    message = err.message or ""
    detail = str(err.details or "") or message
    if sqlstate.startswith(DATA_EXCEPTION):
        return UnstorableInput("The database cannot store a value of this request.")
    if MACHINE_CODE.match(message) and status < 500:
        return coded_error(message, status, detail, hint_fields(err.hint))
    by_status: dict[int, type[AppError]] = {
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
    }
    if status in by_status:
        return by_status[status](GENERIC_DETAIL[status])
    return DatabaseError("The database could not complete the request. Please try again.")


def hint_fields(hint: str | None) -> dict[str, Any]:
    """The fields a SQL refusal gave as JSON in its HINT (private.fail's 4th argument), else none."""
    try:
        fields = json.loads(hint) if hint else {}
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def coded_error(
    code: str, status: int, detail: str, fields: dict[str, Any] | None = None
) -> AppError:
    """The named error for a code a SQL function raised, at the status it raised it with."""
    cls = SQL_ERRORS.get(code)
    if cls is None:  # a code no class names yet (test_sql_codes_have_classes keeps this empty)
        return AppError(detail, code=code, status=status)
    error = cls.from_sql(detail, fields or {})
    error.status = (
        status  # idempotency_key_reused is 409 for another operation, 422 for other parameters
    )
    return error


class _Executable(Protocol):
    def execute(self) -> Any: ...


def _execute(request: _Executable) -> Any:
    """Send one PostgREST request and return its data; PostgREST and transport errors as AppErrors."""
    try:
        return request.execute().data
    except APIError as err:
        raise to_app_error(err) from None
    except httpx.HTTPError:
        raise DatabaseUnavailable("The database is unreachable. Please try again.") from None


def call(client: SyncPostgrestClient, fn: str, params: dict[str, Any] | None = None) -> Any:
    """Call one SQL function through PostgREST and return its JSON result, errors as AppErrors."""
    return _execute(client.rpc(fn, params or {}))


def call_as(
    model: type[M], client: SyncPostgrestClient, fn: str, params: dict[str, Any] | None = None
) -> M:
    """Call one SQL function returning a JSON object, read as the model."""
    return model.model_validate(call(client, fn, params))


def call_list(
    model: type[M], client: SyncPostgrestClient, fn: str, params: dict[str, Any] | None = None
) -> list[M]:
    """Call one SQL function returning a JSON array of objects, each read as the model."""
    return [model.model_validate(row) for row in call(client, fn, params)]


def select(model: type[M], query: _Executable) -> list[M]:
    """Run one PostgREST select (a built query) and return its rows as the model, errors as AppErrors."""
    return [model.model_validate(row) for row in _execute(query)]
