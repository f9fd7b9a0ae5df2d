"""openapi.json against the running functions: event fixtures, the served copy, limits, a Schemathesis smoke."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import psycopg

from mimi.payments.schemas import PACKAGE_IDS
from mimi_local import fuzz
from mimi_local.lambda_adapter import LambdaContext, load_handler
from mimi_local.stack import LocalStack
from mimi_ops import openapi
from tests.functions import contract_support
from tests.functions.conftest import bearer, login
from tests.functions.contract_support import check_request, check_response, operation
from tests.functions.test_events import JOURNEY, journey_values, load_event, wait_completed


def _body(message: dict[str, Any]) -> bytes:
    raw = message.get("body") or ""
    return base64.b64decode(raw) if message.get("isBase64Encoded") else str(raw).encode()


def test_every_event_fixture_request_and_response_validates_against_the_document(
    stack: LocalStack,
) -> None:
    values = journey_values(stack)
    for name, expected in JOURNEY:
        if name == "readings/get_one":
            wait_completed(stack, values["access_token"], values["reading_id"])
        function = name.split("/")[0]
        event = load_event(name, values)
        op = operation(
            event["requestContext"]["http"]["method"], f"/functions/{function}{event['rawPath']}"
        )
        if expected < 400:  # the 4xx fixtures are malformed or unsigned on purpose
            check_request(op, event["rawQueryString"], event["headers"], _body(event))
        result = load_handler(function)(event, LambdaContext(function, "r", 1e12))
        assert result["statusCode"] == expected, (name, result.get("body"))
        check_response(op, result["statusCode"], result["headers"], _body(result))
        if name == "readings/post_root":
            values["reading_id"] = _body(result).decode().split('"id":"')[1].split('"')[0]


def test_the_dev_server_serves_the_document_and_a_reference_page_without_a_cdn(
    stack: LocalStack,
) -> None:
    served = httpx.get(f"{stack.url}/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    assert served.content == openapi.DOCUMENT.read_bytes()
    page = httpx.get(f"{stack.url}/docs")
    assert page.status_code == 200
    assert 'src="/console/docs.js"' in page.text
    script = httpx.get(f"{stack.url}/console/docs.js")
    assert script.status_code == 200
    for asset in (page.text, script.text, httpx.get(f"{stack.url}/console/docs.css").text):
        assert "//cdn" not in asset
        assert "https://" not in asset


def test_the_package_enum_is_what_is_on_sale(
    stack: LocalStack, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    on_sale = sql.execute(
        "select id from public.packages where active and kind = 'stars' order by sort"
    ).fetchall()
    assert tuple(row["id"] for row in on_sale) == PACKAGE_IDS


def test_an_integral_json_number_is_an_integer_as_the_document_says(stack: LocalStack) -> None:
    # JSON Schema's `integer` admits 2.0; the strict models refused it with 422.
    headers = bearer(login(stack))
    exchange = httpx.post(
        f"{stack.url}/functions/credits/exchange", json={"stars": 2.0}, headers=headers
    )
    assert (exchange.status_code, exchange.json()["code"]) == (409, "insufficient_coins")
    review = httpx.post(
        f"{stack.url}/functions/readings/00000000-0000-4000-8000-000000000000/review",
        json={"accuracy": 80.0},
        headers=headers,
    )
    assert (review.status_code, review.json()["code"]) == (404, "reading_not_found")
    for body in ({"stars": 2.5}, {"stars": "2"}, {"stars": True}):
        refused = httpx.post(f"{stack.url}/functions/credits/exchange", json=body, headers=headers)
        assert refused.status_code == 422, body


def test_schemathesis_smoke_finds_nothing_with_a_token(stack: LocalStack, tmp_path: Path) -> None:
    """A few examples per operation with all checks; `make fuzz` is the full run (with and without a token)."""
    token = fuzz.access_token(stack)
    args = fuzz.command(
        stack.url,
        tmp_path,
        token,
        ["--max-examples", "3", "--phases", "examples,fuzzing", "--workers", "1", "--seed", "1"],
    )
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert done.returncode == 0, done.stdout[-4000:]
    operations = sum(len(item) for item in contract_support.DOC["paths"].values())
    assert f"Tested: {operations}" in done.stdout, done.stdout[-2000:]


def test_schemathesis_smoke_signs_qstash_and_stripe_deliveries_as_they_do(
    stack: LocalStack, tmp_path: Path
) -> None:
    """make fuzz's signed pass: with the hooks signing each body, generated jobs reach the processor's parsing
    (a signature refusal would be 401, which this pass's positive-data check does not accept)."""
    signed = next(p for p in fuzz.PASSES if p.caller == "signed")
    args = fuzz.pass_command(stack, signed, ["--max-examples", "2", "--phases", "examples,fuzzing"])
    args[args.index("--report-dir") + 1] = str(tmp_path)
    done = subprocess.run(  # noqa: S603
        args, env=fuzz.hook_env(stack, signed), capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "Tested: 5" in done.stdout, done.stdout[-2000:]
    events = "".join(p.read_text() for p in tmp_path.glob("ndjson-*.ndjson"))
    statuses = {int(code) for code in re.findall(r'"response":\{"status_code":(\d+)', events)}
    assert 200 in statuses  # signed deliveries got past the signature check (unsigned: 401 only)


def test_a_reading_imported_from_the_old_app_is_served_as_stored(
    stack: LocalStack, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    # The old app's answer keys (cards_reading, no short meanings) pass through the typed result unchanged.
    session = login(stack)
    answer = {
        "header": "ไพ่บอกว่าความรักกำลังมา",
        "cards_reading": [{"name": "The Fool", "meaning": "เริ่มต้นใหม่"}],
        "reading": "คำทำนาย",
        "suggestions": ["a", "b", "c"],
        "final": "สรุป",
    }
    row = sql.execute(
        "insert into public.readings (user_id, question, language, depth, status, cards, result, completed_at) "
        "select %(user)s, 'ความรักของฉันจะเป็นอย่างไร', 'th', 'standard', 'completed', c, %(answer)s::jsonb "
        "|| jsonb_build_object('cards', c), now() "
        'from private.legacy_cards(\'[{"name": "The Fool", "position": "past"}]\') c returning id, result',
        {"user": session["user"]["id"], "answer": psycopg.types.json.Jsonb(answer)},
    ).fetchone()
    assert row is not None
    response = httpx.get(f"{stack.url}/functions/readings/{row['id']}", headers=bearer(session))
    assert response.status_code == 200, response.text
    assert response.json()["result"] == row["result"]
    check_response(
        operation("GET", f"/functions/readings/{row['id']}"),
        200,
        dict(response.headers),
        response.content,
    )


def test_a_path_with_an_encoded_newline_reaches_the_function(stack: LocalStack) -> None:
    # Found by make fuzz: the dev server's own router answered text/plain 404 without X-Request-Id.
    response = httpx.get(f"{stack.url}/functions/readings/a%0Ab", headers=bearer(login(stack)))
    assert (response.status_code, response.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    assert response.json()["code"] == "reading_not_found"
    assert response.headers["x-request-id"]
