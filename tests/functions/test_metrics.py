"""Metrics through the real handlers: a reading's journey and a payment leave the EMF lines the alarms read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mimi import metrics
from mimi_local.openai import REJECT_MARKER
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.invoke_support import invoke
from tests.functions.payments_support import buy, dev_action, event_of, new_event, send
from tests.functions.readings_support import (
    deliver_signed,
    dispatcher,
    failure_body,
    queued_reading,
    unique_question,
    wait_final,
)
from tests.lib.test_metrics import emf_lines

pytestmark = pytest.mark.usefixtures("quiet_pipeline")

UNITS = {"Count", "Milliseconds", "None"}


def checked(text: str) -> list[dict[str, Any]]:
    """Every EMF document in the output, each checked the way CloudWatch would read it."""
    docs = emf_lines(text)
    for doc in docs:
        [directive] = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "MiMiVibes"
        assert directive["Dimensions"][0] == ["Stage"]
        assert doc["Stage"] == "local"
        for dimension_set in directive["Dimensions"]:
            assert all(isinstance(doc[key], str) for key in dimension_set)
        for metric in directive["Metrics"]:
            assert metric["Unit"] == metrics.UNITS[metric["Name"]]
            assert metric["Unit"] in UNITS
            assert isinstance(doc[metric["Name"]], int | float)
    return docs


def points(docs: list[dict[str, Any]], name: str, function: str) -> list[dict[str, Any]]:
    return [d for d in docs if name in d and d["function"] == function]


def submit_through_handler(
    session: dict[str, Any], question: str, path: str = "/", **choice: str
) -> str:
    body = {"question": question, **(choice or {"depth": "standard"})}
    headers = {**bearer(session), "content-type": "application/json"}
    status, answer, _ = invoke(
        "readings", "POST", path, headers=headers, body=json.dumps(body).encode()
    )
    assert status == 202, answer
    return str(answer["id"])


def test_a_completed_reading_emits_submitted_spent_queue_delay_llm_cost_and_time_to_completed(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    capsys.readouterr()
    reading_id = submit_through_handler(session, unique_question())
    assert wait_final(stack, session, reading_id)["status"] == "completed"
    dispatcher(stack).wait_idle(20)
    docs = checked(capsys.readouterr().out)

    [submitted] = points(docs, "ReadingsSubmitted", "readings")
    assert submitted["ReadingsSubmitted"] == 1
    assert submitted["Depth"] == "standard"
    assert submitted["Spread"] == "three"
    [spent] = points(docs, "CreditsSpent", "readings")
    assert spent["CreditsSpent"] == 1
    assert spent["Currency"] in {"star", "free_point"}
    assert spent["Reason"] == "reading"
    [delay] = points(docs, "QueueDelay", "reading_processor")
    assert 0 <= delay["QueueDelay"] < 20_000
    [llm] = points(docs, "LlmLatency", "reading_processor")
    assert llm["LlmPromptTokens"] > 0
    assert llm["LlmCompletionTokens"] > 0
    assert llm["LlmCostUsd"] > 0
    assert llm["LlmLatency"] >= 0
    assert llm["_aws"]["CloudWatchMetrics"][0]["Dimensions"][1] == ["Stage", "Provider"]
    [done] = points(docs, "ReadingsCompleted", "reading_processor")
    assert done["ReadingsCompleted"] == 1
    assert 0 < done["TimeToCompleted"] < 20_000
    assert not points(docs, "ReadingsFailed", "reading_processor")


def test_a_spread_spends_its_price_and_a_follow_up_counts_as_a_submission_with_its_own_spend(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    capsys.readouterr()
    parent = submit_through_handler(session, unique_question(), spread="celtic_cross")
    assert wait_final(stack, session, parent)["status"] == "completed"
    follow_up = submit_through_handler(
        session, unique_question("แล้วฉันควรทำอย่างไรต่อดี"), f"/{parent}/follow-ups", language="th"
    )
    assert wait_final(stack, session, follow_up)["status"] == "completed"
    dispatcher(stack).wait_idle(20)
    docs = checked(capsys.readouterr().out)
    submitted = points(docs, "ReadingsSubmitted", "readings")
    assert [(d["Spread"], d.get("Depth")) for d in submitted] == [
        ("celtic_cross", "deep"),
        ("follow_up", None),
    ]
    spent = points(docs, "CreditsSpent", "readings")
    assert [(d["CreditsSpent"], d["Reason"]) for d in spent] == [(2, "reading"), (1, "follow_up")]
    assert len(points(docs, "ReadingsCompleted", "reading_processor")) == 2


def test_the_daily_card_counts_one_submission_and_spends_nothing(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    capsys.readouterr()
    for _ in range(2):  # the second call answers the same card: no second submission
        status, card, _ = invoke("readings", "POST", "/daily", headers=bearer(session))
        assert status == 200, card
    assert wait_final(stack, session, str(card["id"]))["status"] == "completed"
    dispatcher(stack).wait_idle(20)
    docs = checked(capsys.readouterr().out)
    assert [d["Spread"] for d in points(docs, "ReadingsSubmitted", "readings")] == ["daily"]
    assert not points(docs, "CreditsSpent", "readings")
    assert len(points(docs, "ReadingsCompleted", "reading_processor")) == 1


def test_a_refused_question_counts_as_rejected(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    capsys.readouterr()
    reading_id = submit_through_handler(
        session, unique_question(f"{REJECT_MARKER} ช่วยบอกเลขหวยงวดนี้")
    )
    assert wait_final(stack, session, reading_id)["status"] == "rejected"
    dispatcher(stack).wait_idle(20)
    docs = checked(capsys.readouterr().out)
    assert [
        d["ReadingsRejected"] for d in points(docs, "ReadingsRejected", "reading_processor")
    ] == [1]
    assert not points(docs, "ReadingsCompleted", "reading_processor")


def test_the_failure_callback_counts_a_dead_letter_and_one_failed_reading(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    reading_id = queued_reading(stack, session)
    capsys.readouterr()
    for _ in range(2):  # QStash may call back twice: the reading fails (and counts) once
        assert deliver_signed(stack, "/failed", failure_body(reading_id)).status_code == 200
    docs = checked(capsys.readouterr().out)
    assert len(points(docs, "QStashDeadLetters", "reading_processor")) == 2
    [failed] = points(docs, "ReadingsFailed", "reading_processor")
    assert failed["ReadingsFailed"] == 1
    assert failed["Reason"] == "delivery_failed"


def test_a_payment_emits_succeeded_with_its_stars_then_refunded(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    session = login(stack)
    intent = buy(stack, session, "stars_25")
    capsys.readouterr()
    paid_event = event_of(
        dev_action(stack, intent["payment_intent_id"], "succeed"), "payment_intent.succeeded"
    )
    again = send(stack, new_event("payment_intent.succeeded", paid_event["data"]["object"]))
    assert (
        again.json()["outcome"] == "already_credited"
    )  # a second event for the same payment counts nothing
    dev_action(stack, intent["payment_intent_id"], "refund")
    docs = checked(capsys.readouterr().out)
    [paid] = points(docs, "PaymentsSucceeded", "stripe_webhook")
    assert paid["PaymentsSucceeded"] == 1
    assert paid["StarsPurchased"] > 0
    assert [d["PaymentsRefunded"] for d in points(docs, "PaymentsRefunded", "stripe_webhook")] == [
        1
    ]
