"""Problems a person reads and a client acts on, through the dev server: the fields of each next step, and the
detail in the caller's language (the profile's, carried by the token's `lang` claim; else Accept-Language)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import jwt
import pytest

from mimi.error_texts import TEXTS
from mimi.i18n import wait_text
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import readings_url, submit, wallet
from tests.functions.test_readings import inside_one_limiter_window

pytestmark = pytest.mark.usefixtures("quiet_pipeline")


def credits_url(stack: LocalStack, path: str) -> str:
    return f"{stack.url}/functions/credits{path}"


def grant(sql: Any, uid: str, changes: dict[str, int]) -> None:
    sql.execute(
        "select public.grant_credit(%s, %s, 'test', %s::jsonb)",
        (uid, f"test:{uuid.uuid4().hex}", json.dumps(changes)),
    )


def readings_of(sql: Any, uid: str) -> int:
    row = sql.execute("select count(*) as n from public.readings where user_id = %s", (uid,))
    return int(row.fetchone()["n"])


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def refresh(stack: LocalStack, session: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.url}/functions/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


def set_language(stack: LocalStack, session: dict[str, Any], language: str) -> None:
    response = httpx.patch(
        f"{stack.url}/functions/profile/", headers=bearer(session), json={"language": language}
    )
    assert response.status_code == 200, response.text


def test_insufficient_credits_answers_the_price_and_the_balance_and_spends_nothing(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    grant(sql, uid, {"free_point": -3})  # the welcome points are gone
    before = wallet(stack, session)
    refused = submit(stack, session, spread="celtic_cross")
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_credits")
    problem = refused.json()
    assert (problem["price"], problem["stars"], problem["free_points"]) == (2, 0, 0)
    assert problem["detail"] == TEXTS["insufficient_credits"]["th"].format(
        price=2, stars=0, free_points=0
    )
    assert wallet(stack, session) == before
    assert readings_of(sql, uid) == 0


def test_insufficient_coins_answers_the_coins_needed_and_held(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    grant(sql, session["user"]["id"], {"coin": 150})
    coins = wallet(stack, session)["coins"]
    headers = {**bearer(session), "Idempotency-Key": f"tap-{uuid.uuid4().hex}"}
    refused = httpx.post(credits_url(stack, "/exchange"), headers=headers, json={"stars": 3})
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_coins")
    assert (refused.json()["coins_needed"], refused.json()["coins"]) == (300, coins)
    assert "300" in refused.json()["detail"]
    assert wallet(stack, session)["coins"] == coins


def test_already_checked_in_answers_the_bangkok_day_of_the_next_check_in(
    stack: LocalStack,
) -> None:
    session = login(stack)
    first = httpx.post(credits_url(stack, "/daily"), headers=bearer(session))
    assert first.status_code == 200, first.text
    again = httpx.post(credits_url(stack, "/daily"), headers=bearer(session))
    assert (again.status_code, again.json()["code"]) == (409, "already_checked_in")
    tomorrow = (date.fromisoformat(first.json()["day"]) + timedelta(days=1)).isoformat()
    assert again.json()["next_check_in"] == tomorrow
    assert tomorrow in again.json()["detail"]
    assert wallet(stack, session) == first.json()["wallet"]


def test_a_rate_limit_answers_the_seconds_in_the_body_and_the_header(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    grant(sql, session["user"]["id"], {"star": 5})
    inside_one_limiter_window()
    for _ in range(5):
        assert submit(stack, session).status_code == 202
    sixth = submit(stack, session)
    assert (sixth.status_code, sixth.json()["code"]) == (429, "rate_limited")
    assert sixth.json()["retry_after"] == int(sixth.headers["Retry-After"])
    assert 1 <= sixth.json()["retry_after"] <= 60
    # "40 วินาที"; a whole minute left reads "1 นาที"
    assert wait_text(sixth.json()["retry_after"], "th") in sixth.json()["detail"]


def test_the_detail_follows_accept_language_without_a_token(stack: LocalStack) -> None:
    url = f"{stack.url}/functions/profile/"
    thai = httpx.get(url)
    english = httpx.get(url, headers={"Accept-Language": "en-US,en;q=0.9,th;q=0.5"})
    for response in (thai, english):
        assert (response.status_code, response.json()["code"]) == (401, "auth_required")
    assert thai.json()["detail"] == TEXTS["auth_required"]["th"]
    assert english.json()["detail"] == TEXTS["auth_required"]["en"]


def test_the_profile_language_wins_over_accept_language(stack: LocalStack) -> None:
    session = login(stack)
    assert claims(session["access_token"])["lang"] == "th"
    missing = readings_url(stack, f"/{uuid.uuid4()}")
    answer = httpx.get(missing, headers={**bearer(session), "Accept-Language": "en"})
    assert (answer.status_code, answer.json()["code"]) == (404, "reading_not_found")
    assert answer.json()["detail"] == TEXTS["reading_not_found"]["th"]


def test_an_english_profile_reads_english_from_its_next_token(stack: LocalStack) -> None:
    """The token names the language it was issued with: the refresh after a change carries the new one."""
    session = login(stack)
    set_language(stack, session, "en")
    missing = readings_url(stack, f"/{uuid.uuid4()}")
    stale = httpx.get(missing, headers=bearer(session)).json()
    assert stale["detail"] == TEXTS["reading_not_found"]["th"]  # issued while the profile said th
    pair = refresh(stack, session)
    assert claims(pair["access_token"])["lang"] == "en"
    answer = httpx.get(missing, headers={**bearer(pair), "Accept-Language": "th"})
    assert (answer.status_code, answer.json()["code"]) == (404, "reading_not_found")
    assert answer.json()["detail"] == TEXTS["reading_not_found"]["en"]


def test_a_returning_user_logs_in_with_their_profile_language(stack: LocalStack) -> None:
    sub = "U" + uuid.uuid4().hex
    session = login(stack, sub=sub)
    set_language(stack, session, "en")
    again = login(stack, sub=sub)
    assert claims(again["access_token"])["lang"] == "en"
