"""Only admins: every admin route and every admin SQL function answers 403 not_admin to anyone else, whether asked
through the function's real handler(event, context) or straight at PostgREST with the user's own token."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from mimi.admin.api import router
from mimi_local.stack import LocalStack
from mimi_ops.admins.cli import run as admins
from tests.functions.admin_support import call, new_admin, ok
from tests.functions.conftest import bearer, login, refusal
from tests.functions.invoke_support import invoke

# a valid body for each route that takes one, so the only thing wrong with each request is who sends it
BODIES: dict[str, dict[str, Any]] = {
    "/users/{user_id}/adjustments": {"currency": "star", "delta": 5, "reason": "support chat"},
    "/payments/{payment_id}/resolve": {"action": "dismiss", "reason": "checked in Stripe"},
    "/settings/{key}": {"value": 2, "reason": "promotion week"},
    "/packages/{package_id}": {
        "title": "Mega",
        "price_satang": 99900,
        "stars": 200,
        "reason": "new pack",
    },
    "/spreads/{spread_id}": {"price": 0, "reason": "free for me"},
}
QUERIES = {"/users": "q=" + "U" + "0" * 32, "/readings": "state=stuck"}


def _path(template: str) -> str:
    return re.sub(
        r"{([a-z_]+)}",
        lambda m: {"key": "stars_10", "package_id": "stars_10", "spread_id": "love"}.get(
            m[1], str(uuid.uuid4())
        ),
        template,
    )


def _body(template: str) -> dict[str, Any] | None:
    return BODIES.get(template) or (
        {"reason": "support chat"} if template.endswith(("freeze", "retry", "refund")) else None
    )


ROUTES = [(r.method, r.path) for r in router.routes]


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_non_admin_gets_403_from_every_route_through_the_handler(
    stack: LocalStack, method: str, template: str
) -> None:
    session = login(stack)
    body = _body(template)
    headers = {
        **bearer(session),
        "Idempotency-Key": "key-" + uuid.uuid4().hex,
        **({"content-type": "application/json"} if body is not None else {}),
    }
    status, problem, _ = invoke(
        "admin",
        method,
        _path(template),
        query=QUERIES.get(template, ""),
        headers=headers,
        body=json.dumps(body).encode() if body is not None else b"",
    )
    assert (status, problem.get("code")) == (403, "not_admin"), problem


# what each kind of route receives when everything about the request is wrong but the token
GARBAGE = {
    "body": b'{"reason": 7, "delta": "lots", "unknown": true',  # not even JSON
    "query": "limit=0&state=lost&status=maybe&q=&before=-1&user_id=me",
}


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_non_admin_gets_403_before_anything_of_the_request_is_read(
    stack: LocalStack, method: str, template: str
) -> None:
    route = next(r for r in router.routes if (r.method, r.path) == (method, template))
    status, problem, _ = invoke(
        "admin",
        method,
        template.replace("{", "x").replace("}", "x"),  # no id is valid either
        query=GARBAGE["query"] if route.query else "",
        headers={**bearer(login(stack)), "content-type": "application/json"},
        body=GARBAGE["body"] if route.body else b"",
    )
    assert (status, problem.get("code")) == (403, "not_admin"), problem


def test_a_non_admin_gets_403_for_a_malformed_id_too(stack: LocalStack) -> None:
    session = login(stack)
    status, problem, _ = invoke("admin", "GET", "/users/not-a-uuid", headers=bearer(session))
    assert (status, problem["code"]) == (403, "not_admin")
    admin = new_admin(stack)
    assert refusal(call(stack, admin, "GET", "/users/not-a-uuid")) == (404, "user_not_found")


def test_no_token_is_401_not_403(stack: LocalStack) -> None:
    status, problem, _ = invoke("admin", "GET", "/me")
    assert (status, problem["code"]) == (401, "auth_required")


def _admin_functions(sql: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = sql.execute(
        "select p.proname, coalesce(p.proargnames, '{}') as names,"
        "       array(select format_type(t, null) from unnest(p.proargtypes) t) as types"
        " from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname like 'admin\\_%'"
        " order by 1"
    ).fetchall()
    return rows


SAMPLE = {
    "uuid": lambda: str(uuid.uuid4()),
    "text": lambda: "stars_10",
    "integer": lambda: 2,
    "bigint": lambda: 1,
    "boolean": lambda: True,
    "jsonb": lambda: {"title": "x"},
    "timestamp with time zone": lambda: "2026-01-01T00:00:00Z",
}


def rpc(stack: LocalStack, fn: str, args: dict[str, Any], token: str | None) -> httpx.Response:
    headers = {
        "apikey": stack.secrets["anon_key"],
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    return httpx.post(f"{stack.url}/rest/v1/rpc/{fn}", json=args, headers=headers, timeout=30)


def test_every_admin_sql_function_refuses_a_user_token_at_postgrest(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    functions = _admin_functions(sql)
    assert len(functions) >= 15  # the admin API's reads and actions
    for fn in functions:
        args = {name: SAMPLE[kind]() for name, kind in zip(fn["names"], fn["types"], strict=True)}
        response = rpc(stack, fn["proname"], args, session["access_token"])
        assert (response.status_code, response.json().get("message")) == (403, "not_admin"), (
            fn,
            response.text,
        )


def test_a_user_token_cannot_touch_the_admin_list_or_audit_at_postgrest(stack: LocalStack) -> None:
    session = login(stack)
    token = session["access_token"]
    for fn, args in (
        ("add_admin", {"p_who": session["user"]["id"]}),
        ("remove_admin", {"p_who": "x"}),
        ("list_admins", {}),
    ):
        response = rpc(stack, fn, args, token)
        assert response.status_code in (401, 403, 404), (fn, response.text)
    assert rpc(stack, "is_admin", {}, token).json() is False
    for table in ("admins", "admin_audit", "reconcile_runs"):
        response = httpx.get(
            f"{stack.url}/rest/v1/{table}",
            headers={"apikey": stack.secrets["anon_key"], "Authorization": f"Bearer {token}"},
        )
        assert response.status_code >= 400, (table, response.text)
    direct = rpc(
        stack,
        "admin_adjust_credits",
        {
            "p_user_id": session["user"]["id"],
            "p_currency": "star",
            "p_delta": 1000,
            "p_reason": "me",
            "p_key": "k" * 8,
        },
        token,
    )
    assert direct.status_code == 403


def test_the_admin_check_is_live_not_in_the_token(stack: LocalStack) -> None:
    admin = new_admin(stack)
    assert ok(call(stack, admin, "GET", "/me")) == {
        "user_id": admin["user"]["id"],
        "is_admin": True,
    }
    assert "admin" not in json.dumps(_claims(admin["access_token"]))
    admins(stack.pg.dsn(), "remove", admin["user"]["id"], None)
    # the same, unexpired token
    assert refusal(call(stack, admin, "GET", "/me")) == (403, "not_admin")
    assert call(stack, admin, "GET", "/catalog").status_code == 403


def test_a_deleted_admin_account_is_refused(stack: LocalStack) -> None:
    admin = new_admin(stack)
    assert httpx.delete(f"{stack.url}/functions/profile/", headers=bearer(admin)).status_code == 204
    assert refusal(call(stack, admin, "GET", "/catalog")) == (401, "account_deleted")


def _claims(token: str) -> dict[str, Any]:
    import jwt

    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
