"""Function-URL event fixtures (Lambda payload 2.0) for every route, invoked through each real handler."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx

from mimi_local.lambda_adapter import LambdaContext, load_handler
from mimi_local.stack import LocalStack
from tests.functions.conftest import line_token, login

EVENTS = Path(__file__).resolve().parents[1] / "events"

# (fixture, expected status), in the order a user's session would produce them
JOURNEY = [
    ("health/get_root", 200),
    ("auth/post_line", 200),
    ("auth/post_line_base64", 200),
    ("auth/post_line_malformed", 400),
    ("profile/get_root", 200),
    ("profile/patch_root", 200),
    ("profile/get_transactions", 200),
    ("profile/get_export", 200),
    ("credits/post_daily", 200),
    ("credits/post_exchange", 409),
    ("credits/post_exchange_malformed", 400),
    ("credits/get_referral", 200),
    ("payments/get_packages", 200),
    ("payments/post_intents", 201),
    ("payments/post_intents_malformed", 400),
    ("payments/get_root", 200),
    ("readings/post_root", 202),
    ("readings/post_root_base64", 202),
    ("readings/get_root", 200),
    ("readings/get_spreads", 200),
    ("readings/get_one", 200),
    ("readings/post_follow_up", 202),
    ("readings/post_review", 200),
    ("readings/post_daily", 200),
    ("readings/delete_one", 204),
    ("reading_processor/post_root_unsigned", 401),
    ("admin/get_me", 403),
    ("reconcile/post_root_unsigned", 401),
    ("stripe_webhook/post_root_unsigned", 400),
    ("auth/post_refresh", 200),
    ("auth/post_logout", 204),
    ("profile/delete_root", 204),
    ("profile/get_root", 401),
]


def load_event(name: str, values: dict[str, str]) -> dict[str, Any]:
    """Read a fixture and fill its {{placeholders}}, inside a base64 body too."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    fill = _filler(values)
    event["rawPath"] = event["requestContext"]["http"]["path"] = fill(event["rawPath"])
    event["headers"] = {k: fill(v) for k, v in event["headers"].items()}
    if "body" in event:
        if event["isBase64Encoded"]:
            event["body"] = base64.b64encode(
                fill(base64.b64decode(event["body"]).decode()).encode()
            ).decode()
        else:
            event["body"] = fill(event["body"])
    return event


def _filler(values: dict[str, str]) -> Any:
    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return text

    return fill


def invoke(name: str, values: dict[str, str]) -> dict[str, Any]:
    function = name.split("/")[0]
    result: dict[str, Any] = load_handler(function)(
        load_event(name, values), LambdaContext(function, "r", 1e12)
    )
    return result


def wait_completed(stack: LocalStack, token: str, reading_id: str) -> None:
    deadline = time.monotonic() + 20
    url = f"{stack.url}/functions/readings/{reading_id}"
    while (
        httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()["status"] != "completed"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def journey_values(stack: LocalStack) -> dict[str, str]:
    """What the journey's fixtures are filled with: a fresh dev user's tokens; the reading id comes later."""
    session = login(stack)
    return {
        "line_id_token": line_token(stack),
        "access_token": session["access_token"],
        "refresh_token": session["refresh_token"],
        "package_id": "stars_10",
        "reading_id": "",
    }


def test_every_route_answers_its_fixture_event_through_the_handler(stack: LocalStack) -> None:
    values = journey_values(stack)
    for name, expected in JOURNEY:
        if name == "readings/get_one":
            wait_completed(stack, values["access_token"], values["reading_id"])
        result = invoke(name, values)
        assert result["statusCode"] == expected, (name, result.get("body"))
        raw = (
            base64.b64decode(result["body"])
            if result.get("isBase64Encoded")
            else result.get("body")
        )
        body = json.loads(raw) if raw else {}
        if expected >= 400:
            assert result["headers"]["content-type"] == "application/problem+json", name
            assert body["code"], name
            assert body["detail"], name
        if name == "readings/post_root":
            values["reading_id"] = body["id"]


def test_every_function_has_event_fixtures() -> None:
    from mimi_local.lambda_adapter import function_names

    assert {p.parent.name for p in EVENTS.glob("*/*.json")} == set(function_names())
