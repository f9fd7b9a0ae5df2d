"""Cards drawn when a reading is paid for, through the real functions: the submit and follow-up answers carry
them, GET shows them from the first moment, the agent reads exactly them, the same Idempotency-Key answers the
same reading and cards, and nobody can pass cards to the rpc."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login, refusal
from tests.functions.readings_support import (
    ledger_keys,
    queued_reading,
    readings_url,
    submit,
    unique_question,
    wait_final,
    wallet,
)
from tests.functions.test_readings_v2 import listed_cards, llm_call

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
SHOWN = {"id", "name", "name_th", "image", "orientation", "position", "position_th", "position_en"}


def with_key(
    stack: LocalStack, session: dict[str, Any], key: str, question: str, **extra: Any
) -> httpx.Response:
    return httpx.post(
        readings_url(stack),
        headers={**bearer(session), "Idempotency-Key": key},
        json={"question": question, **extra},
        timeout=30,
    )


def test_submit_answers_the_cards_the_agent_reads_and_the_reading_shows(stack: LocalStack) -> None:
    session = login(stack)
    question = unique_question("Will my new job bring me joy")
    response = submit(stack, session, question, spread="three", language="en")
    assert response.status_code == 202, response.text
    cards = response.json()["cards"]
    assert [c["position"] for c in cards] == ["past", "present", "future"]
    assert all(SHOWN | {"short_meaning"} == set(c) for c in cards)
    first_look = httpx.get(
        readings_url(stack, f"/{response.json()['id']}"), headers=bearer(session)
    )
    assert first_look.json()["cards"] == cards
    reading = wait_final(stack, session, response.json()["id"])
    assert reading["cards"] == cards
    assert listed_cards(llm_call(stack, question)) == [
        (c["position"], c["id"], c["orientation"]) for c in cards
    ]
    shown = reading["result"]["cards"]
    assert [{k: c[k] for k in SHOWN | {"short_meaning"}} for c in shown] == cards
    assert all(c["meaning"] for c in shown)


def test_a_queued_reading_shows_its_cards_before_the_processor_sees_it(stack: LocalStack) -> None:
    session = login(stack)
    rid = queued_reading(stack, session)  # paid through the rpc, never published
    reading = httpx.get(readings_url(stack, f"/{rid}"), headers=bearer(session)).json()
    assert reading["status"] == "queued"
    assert [c["position"] for c in reading["cards"]] == ["past", "present", "future"]
    assert all(c["short_meaning"] for c in reading["cards"])


def test_a_submit_retried_with_its_idempotency_key_is_the_same_reading_and_cards(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    question = unique_question()
    first = with_key(stack, session, "tap-retry-0001", question)
    again = with_key(stack, session, "tap-retry-0001", question)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["cards"] == first.json()["cards"]
    wait_final(stack, session, first.json()["id"])
    assert wallet(stack, session)["free_points"] == 2  # paid once
    spends = [k for k in ledger_keys(sql, session["user"]["id"]) if ":spend:" in k]
    assert spends == [f"reading:{first.json()['id']}:spend:free_point"]
    assert llm_call(stack, question)  # read once


def test_a_key_reused_for_another_question_is_refused_and_spends_nothing(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    first = with_key(stack, session, "tap-reused-001", unique_question())
    wait_final(stack, session, first.json()["id"])
    before = ledger_keys(sql, session["user"]["id"])
    response = with_key(stack, session, "tap-reused-001", unique_question())
    assert refusal(response) == (422, "idempotency_key_reused")
    assert ledger_keys(sql, session["user"]["id"]) == before


def test_a_malformed_idempotency_key_is_refused_before_anything_is_spent(
    stack: LocalStack,
) -> None:
    session = login(stack)
    response = with_key(stack, session, "short", unique_question())
    assert refusal(response) == (422, "invalid_idempotency_key")
    assert wallet(stack, session)["free_points"] == 3


def test_nobody_can_hand_the_rpc_their_own_cards(stack: LocalStack) -> None:
    session = login(stack)
    headers = {**bearer(session), "apikey": stack.secrets["anon_key"]}
    chosen = [{"id": "the-sun", "orientation": "upright", "position": "past"}]
    response = httpx.post(
        f"{stack.url}/rest/v1/rpc/submit_reading",
        headers=headers,
        json={"p_question": unique_question(), "p_cards": chosen},
    )
    assert response.status_code == 404, response.text
    assert wallet(stack, session)["free_points"] == 3


def test_a_follow_up_answers_its_clarifying_card_at_once(stack: LocalStack) -> None:
    session = login(stack)
    parent = wait_final(stack, session, submit(stack, session).json()["id"])
    response = httpx.post(
        readings_url(stack, f"/{parent['id']}/follow-ups"),
        headers={**bearer(session), "Idempotency-Key": "follow-up-0001"},
        json={"question": unique_question("แล้วฉันควรทำอย่างไรต่อดี")},
    )
    assert response.status_code == 202, response.text
    (card,) = response.json()["cards"]
    assert card["position"] == "clarifier"
    assert card["id"] not in {c["id"] for c in parent["cards"]}
    assert wait_final(stack, session, response.json()["id"])["cards"] == [card]
