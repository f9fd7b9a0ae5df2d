"""The app factory: problem+json for every failure, request ids, CORS, one JSON access-log line per request."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from mimi.app import create_app
from mimi.config import get_settings
from mimi.error_texts import TEXTS
from mimi.errors import Conflict, RateLimited
from mimi.web import Router

router = Router()


class Item(BaseModel):
    n: int


@router.get("/boom")
def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@router.get("/conflict")
def conflict() -> None:
    raise Conflict("Already there.", code="already_there")


@router.get("/limited")
def limited() -> None:
    raise RateLimited("Slow down.", retry_after_s=7)


@router.get("/opened/{token}")
def opened(token: str) -> None:
    raise Conflict("Seen.", code="seen")


@router.post("/items", body=Item, response=Item)
def items(body: Item) -> Item:
    return body


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app("test", router), raise_server_exceptions=False)


def test_unknown_exception_is_a_500_problem_without_internals(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.get("/boom")
    logged = capsys.readouterr().out
    assert "boom" in logged
    assert "RuntimeError" in logged
    assert "hunter2" not in logged
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_app_errors_keep_their_code_status_and_headers(client: TestClient) -> None:
    response = client.get("/conflict", headers={"X-Request-Id": "abc123"})
    body = response.json()
    assert (response.status_code, body["code"]) == (409, "already_there")
    assert body["request_id"] == "abc123"
    assert response.headers["x-request-id"] == "abc123"
    limited = client.get("/limited")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert limited.json()["retry_after"] == 7


def test_the_detail_is_written_for_the_user_not_taken_from_the_code(client: TestClient) -> None:
    """The internal detail ("Already there.") never reaches the user; a code without its own text gets its
    status's text, in Thai unless English is asked for."""
    thai = client.get("/conflict").json()
    assert thai["detail"] == TEXTS["conflict"]["th"]
    english = client.get("/conflict", headers={"Accept-Language": "en-GB,en;q=0.9"}).json()
    assert english["detail"] == TEXTS["conflict"]["en"]
    assert client.get("/limited").json()["detail"] == TEXTS["rate_limited"]["th"].format(
        wait="7 วินาที"
    )


@pytest.mark.parametrize(("path", "code"), [("/boom", "internal_error"), ("/nowhere", "not_found")])
def test_the_app_s_own_problems_are_in_the_caller_s_language(
    client: TestClient, path: str, code: str
) -> None:
    assert client.get(path).json()["detail"] == TEXTS[code]["th"]
    english = client.get(path, headers={"Accept-Language": "en"}).json()
    assert (english["code"], english["detail"]) == (code, TEXTS[code]["en"])


def test_a_validation_problem_keeps_its_field_errors_under_a_text_for_people(
    client: TestClient,
) -> None:
    wrong = client.post("/items", json={"n": "many"}, headers={"Accept-Language": "en"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "validation_failed")
    assert wrong.json()["detail"] == TEXTS["validation_failed"]["en"]
    assert wrong.json()["errors"][0]["loc"] == ["body", "n"]


def test_validation_errors_are_422_and_malformed_json_is_400(client: TestClient) -> None:
    wrong = client.post("/items", json={"n": "many"})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "validation_failed"
    assert wrong.json()["errors"][0]["loc"] == ["body", "n"]
    broken = client.post("/items", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_json"
    assert client.get("/nowhere").json()["code"] == "not_found"
    assert client.delete("/items").json()["code"] == "method_not_allowed"


def test_cors_allows_the_configured_origin_only(client: TestClient) -> None:
    origin = get_settings().cors_origins[0]
    allowed = client.options(
        "/items", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert allowed.headers.get("access-control-allow-origin") == origin
    other = client.options(
        "/items",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_each_request_logs_one_json_line_with_status_and_duration(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client.get("/conflict")
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    requests = [line for line in lines if line["event"] == "request"]
    assert requests[-1]["status"] == 409
    assert requests[-1]["route"] == "/conflict"
    assert isinstance(requests[-1]["duration_ms"], float)


def test_the_access_log_names_the_route_template_never_the_path_values(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-share-token-Qw8eRt6yUi0oPaSdFgHjKlZxC"
    client.get(f"/opened/{secret}")
    client.get(f"/no-route/{secret}")
    logged = capsys.readouterr().out
    routes = [json.loads(line)["route"] for line in logged.splitlines() if '"request"' in line]
    assert routes == ["/opened/{token}", "-"]
    assert secret not in logged
