"""The routing layer through real functions: 405 Allow, unreadable bodies, unparsable queries, database refusals."""

from __future__ import annotations

import httpx
import pytest

from mimi.db import call, user_client
from mimi.errors import AppError
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login


def url(stack: LocalStack, function: str, path: str = "/") -> str:
    return f"{stack.url}/functions/{function}{path}"


@pytest.mark.parametrize(
    ("function", "path", "method", "allowed"),
    [
        ("readings", "/", "PATCH", {"GET", "POST"}),
        ("profile", "/", "POST", {"GET", "PATCH", "DELETE"}),
        ("readings", "/0b6f1a9e-8d7c-4f5e-9a3b-2c1d0e9f8a7b", "PATCH", {"GET", "DELETE"}),
        # /daily and /spreads also match /{reading_id}, whose id is a UUID: its methods are not theirs
        ("readings", "/daily", "OPTIONS", {"POST"}),
        ("readings", "/daily", "GET", {"POST"}),
        ("readings", "/spreads", "DELETE", {"GET"}),
    ],
)
def test_405_allow_lists_every_method_of_the_path(
    stack: LocalStack, function: str, path: str, method: str, allowed: set[str]
) -> None:
    response = httpx.request(method, url(stack, function, path))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["content-type"] == "application/problem+json"
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"question": ' * 10_000 + b"1" + b"}" * 10_000,
        b'{"question": "\xff\xfe love"}',
        b"\xef\xbb",
    ],
    ids=["nested-list", "nested-object", "latin-bytes", "truncated-utf8"],
)
def test_unreadable_json_is_400_malformed_json_and_spends_nothing(
    stack: LocalStack, body: bytes
) -> None:
    session = login(stack)
    response = httpx.post(
        url(stack, "readings"),
        content=body,
        headers={**bearer(session), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_json"
    assert response.json()["request_id"]
    wallet = httpx.get(url(stack, "profile"), headers=bearer(session)).json()["wallet"]
    assert wallet["free_points"] == 3


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=1.5", "limit=", "limit=%F0%9F%98%80", "limit=๕"]
)
def test_a_query_value_that_cannot_parse_is_422(stack: LocalStack, query: str) -> None:
    session = login(stack)
    for function, path in [("profile", "/transactions"), ("payments", "/"), ("readings", "/")]:
        response = httpx.get(f"{url(stack, function, path)}?{query}", headers=bearer(session))
        assert response.status_code == 422, (function, query, response.text)
        body = response.json()
        assert body["code"] == "validation_failed"
        assert body["errors"][0]["loc"] == ["query", "limit"]


def test_a_body_that_is_not_json_is_422_naming_the_body(stack: LocalStack) -> None:
    session = login(stack)
    response = httpx.post(
        url(stack, "readings"),
        content=b"question=hello",
        headers={**bearer(session), "content-type": "text/plain"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body"]
    empty = httpx.post(url(stack, "readings"), headers=bearer(session))
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"loc": ["body"], "msg": "Field required", "type": "missing"}]


def test_an_uncoded_database_refusal_gets_a_generic_detail(stack: LocalStack) -> None:
    session = login(stack)
    with pytest.raises(
        AppError
    ) as refused:  # a server-only function, called as the user: Postgres says 42501
        call(
            user_client(session["access_token"]),
            "claim_reading",
            {"p_id": "0b6f1a9e-8d7c-4f5e-9a3b-2c1d0e9f8a7b"},
        )
    assert refused.value.status == 403
    assert refused.value.code == "forbidden"
    assert refused.value.detail == "You are not allowed to do this."
    assert "permission" not in refused.value.detail
    assert "claim_reading" not in refused.value.detail


UNSTORABLE = [
    pytest.param(
        "POST",
        "readings",
        "/",
        b'{"question": "love and work this month \\u0000 please"}',
        ["body", "question"],
        id="nul-in-the-question",
    ),
    pytest.param(
        "POST",
        "readings",
        "/",
        b'{"question": "love and work this month \\ud800 please"}',
        ["body", "question"],
        id="surrogate-in-the-question",
    ),
    pytest.param(
        "PATCH",
        "profile",
        "/",
        b'{"display_name": "Nok\\u0000"}',
        ["body", "display_name"],
        id="nul-in-the-name",
    ),
    pytest.param(
        "POST",
        "readings",
        "/",
        b'{"question": "love and work", "\\udfff": 1}',
        ["body", "\udfff"],
        id="surrogate-as-a-key",
    ),
    pytest.param(
        "GET", "readings", "/?cursor=%00", b"", ["query", "cursor", 0], id="nul-in-a-query"
    ),
    pytest.param(
        "GET", "readings", "/shared/abc%00def", b"", ["path", "token"], id="nul-in-a-path"
    ),
]


@pytest.mark.parametrize(("method", "function", "path", "body", "loc"), UNSTORABLE)
def test_text_the_database_cannot_store_is_422_at_its_field_and_spends_nothing(
    stack: LocalStack, method: str, function: str, path: str, body: bytes, loc: list[object]
) -> None:
    session = login(stack)
    headers = {**bearer(session), "content-type": "application/json"}
    response = httpx.request(method, url(stack, function, path), content=body, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {"loc": loc, "type": "string_unstorable"}.items() <= problem["errors"][0].items()
    profile = httpx.get(url(stack, "profile"), headers=bearer(session)).json()
    assert profile["wallet"]["free_points"] == 3
    assert profile["display_name"] == session["user"]["display_name"]


def test_a_value_postgres_refuses_past_the_api_is_422_unstorable_input(stack: LocalStack) -> None:
    """The database's own refusal (SQLSTATE class 22) is the client's input, not an outage (was 503)."""
    session = login(stack)
    with pytest.raises(AppError) as refused:
        call(user_client(session["access_token"]), "update_profile", {"p_display_name": "a\x00b"})
    assert (refused.value.status, refused.value.code) == (422, "unstorable_input")
