"""readings v2 through the real functions and the whole pipeline: spreads, orientation, daily card, follow-ups."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mimi_local.openai import REJECT_MARKER
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login, refusal
from tests.functions.readings_support import (
    grant_stars,
    ledger_keys,
    readings_url,
    submit,
    submitted,
    unique_question,
    wait_final,
    wallet,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
CARD_LINE = re.compile(
    r"^- \[(?P<position>[a-z_]+)\] (?P<id>\S+) \| [^|]+ \| [^|]+ \| (?P<orientation>\w+)$",
    re.MULTILINE,
)


def llm_call(stack: LocalStack, text: str) -> dict[str, Any]:
    """The one chat completion whose messages mention this text."""
    calls = [
        c
        for c in stack.state["openai"].calls
        if text in json.dumps(c["messages"], ensure_ascii=False)
    ]
    assert len(calls) == 1, len(calls)
    call: dict[str, Any] = calls[0]
    return call


def listed_cards(call: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(position, card id, orientation) of each card the agent was given."""
    return [
        (m["position"], m["id"], m["orientation"])
        for m in CARD_LINE.finditer(call["messages"][0]["content"])
    ]


def profile(stack: LocalStack, session: dict[str, Any], **changes: Any) -> httpx.Response:
    return httpx.patch(f"{stack.url}/functions/profile/", headers=bearer(session), json=changes)


def test_spreads_are_listed_publicly_in_order_with_positions_and_prices(stack: LocalStack) -> None:
    response = httpx.get(readings_url(stack, "/spreads"))
    assert response.status_code == 200
    assert "public" in response.headers["cache-control"]
    spreads = response.json()
    assert [(s["id"], s["card_count"], s["price"]) for s in spreads] == [
        ("single", 1, 1),
        ("three", 1 * 3, 1),
        ("five", 5, 1),
        ("love", 5, 1),
        ("celtic_cross", 10, 2),
    ]
    assert spreads[1]["position_keys"] == ["past", "present", "future"]
    assert spreads[3]["positions_th"][0] == "ตัวคุณ"
    assert spreads[4]["positions_en"][-1] == "Outcome"


def test_celtic_cross_costs_two_reads_ten_positions_and_stores_what_the_agent_read(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    question = unique_question("Where is my career heading this year")
    response = submit(stack, session, question, spread="celtic_cross", language="en")
    assert response.status_code == 202
    assert response.json()["price"] == 2
    reading = wait_final(stack, session, response.json()["id"])
    assert reading["status"] == "completed"
    assert reading["spread"] == "celtic_cross"
    stored = [(c["position"], c["id"], c["orientation"]) for c in reading["cards"]]
    assert stored == listed_cards(llm_call(stack, question))
    assert [c["position"] for c in reading["cards"]][:3] == ["present", "challenge", "foundation"]
    shown = reading["result"]["cards"]
    assert [(c["id"], c["orientation"]) for c in shown] == [(s[1], s[2]) for s in stored]
    assert all(("reversed," in c["meaning"]) == (c["orientation"] == "reversed") for c in shown)
    assert llm_call(stack, question)["max_tokens"] == 4000
    assert ledger_keys(sql, uid)[f"reading:{reading['id']}:spend:free_point"] == -2


def test_refused_celtic_cross_refunds_its_two_credits_once(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    rid = submitted(
        stack, session, unique_question(f"อยากรู้เรื่องงาน {REJECT_MARKER}"), spread="celtic_cross"
    )
    assert wait_final(stack, session, rid)["status"] == "rejected"
    keys = ledger_keys(sql, session["user"]["id"])
    assert keys[f"reading:{rid}:spend:free_point"] == -2
    assert keys[f"reading:{rid}:refund:free_point"] == 2
    assert wallet(stack, session)["free_points"] == 3


def test_orientation_is_drawn_stored_and_shown_in_history(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    grant_stars(sql, session["user"]["id"], 4)
    ids = [
        submitted(stack, session, unique_question("ความรักของฉันปีนี้"), spread="celtic_cross")
        for _ in range(2)
    ]
    for rid in ids:
        wait_final(stack, session, rid)
    history = httpx.get(readings_url(stack), headers=bearer(session)).json()["items"]
    orientations = [c["orientation"] for item in history for c in item["cards"]]
    assert len(orientations) == 20
    assert set(orientations) == {"upright", "reversed"}  # all one way: p = 2e-6


def test_with_reversals_off_every_card_is_upright(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    assert profile(stack, session, reversals=False).json()["reversals"] is False
    grant_stars(sql, session["user"]["id"], 2)
    question = unique_question("งานของฉันจะไปทางไหน")
    reading = wait_final(stack, session, submitted(stack, session, question, spread="celtic_cross"))
    assert {c["orientation"] for c in reading["cards"]} == {"upright"}
    assert {o for _, _, o in listed_cards(llm_call(stack, question))} == {"upright"}
    assert profile(stack, session, reversals=True).json()["reversals"] is True
    assert profile(stack, session, reversals="no").status_code == 422


def test_unknown_spread_is_422_and_spends_nothing(stack: LocalStack) -> None:
    session = login(stack)
    for spread, code in (
        ("daily", "spread_unknown"),
        ("nope", "spread_unknown"),
        ("Bad-Id", "validation_failed"),
    ):
        response = submit(stack, session, spread=spread)
        assert refusal(response) == (422, code)
    assert wallet(stack, session)["free_points"] == 3


def test_daily_card_is_free_short_and_the_same_reading_all_day(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    first = httpx.post(readings_url(stack, "/daily"), headers=bearer(session))
    assert first.status_code == 200
    assert first.json()["created"] is True
    assert first.json()["spread"] == "daily"
    reading = wait_final(stack, session, first.json()["id"])
    assert reading["status"] == "completed"
    assert reading["cards"] == first.json()["cards"]  # drawn when it was created, shown at once
    assert reading["cards"][0]["position"] == "today"
    assert reading["daily_on"] == first.json()["daily_on"]
    again = httpx.post(readings_url(stack, "/daily"), headers=bearer(session)).json()
    assert (again["id"], again["created"], again["status"]) == (
        first.json()["id"],
        False,
        "completed",
    )
    assert llm_call(stack, reading["question"])["max_tokens"] == 900
    # free: nothing spent, and no completion reward (coins buy stars)
    assert ledger_keys(sql, session["user"]["id"]) == {
        f"welcome:{session['user']['id']}:free_point": 3,
    }


def test_concurrent_daily_calls_give_one_reading(stack: LocalStack, sql: Any) -> None:
    session = login(stack)

    def call(_: int) -> str:
        response = httpx.post(readings_url(stack, "/daily"), headers=bearer(session), timeout=30)
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(call, range(6)))
    assert len(ids) == 1
    wait_final(stack, session, ids.pop())
    rows = sql.execute(
        "select count(*) as n from public.readings where user_id = %s", (session["user"]["id"],)
    ).fetchone()
    assert rows["n"] == 1


def test_follow_ups_draw_a_new_card_read_a_short_context_and_thread_under_the_reading(
    stack: LocalStack,
) -> None:
    session = login(stack)
    question = unique_question("ความรักของฉันกับแฟนจะไปต่อได้ไหม")
    parent = wait_final(stack, session, submitted(stack, session, question))
    follow_question = unique_question("แล้วฉันควรทำอย่างไรต่อดี")
    response = httpx.post(
        readings_url(stack, f"/{parent['id']}/follow-ups"),
        headers=bearer(session),
        json={"question": follow_question},
    )
    assert response.status_code == 202, response.text
    assert response.json()["parent_id"] == parent["id"]
    assert response.json()["price"] == 1
    follow_up = wait_final(stack, session, response.json()["id"])
    assert follow_up["status"] == "completed"
    assert follow_up["parent_id"] == parent["id"]
    card = follow_up["cards"][0]
    assert card["position"] == "clarifier"
    assert card["id"] not in {c["id"] for c in parent["cards"]}
    system, user = (m["content"] for m in llm_call(stack, follow_question)["messages"])
    assert question in user
    assert parent["result"]["final"] in user
    assert question not in system
    assert parent["result"]["reading"] not in system + user
    assert all(
        f"{c['name']} | {c['name_th']} | {c['orientation']}" in system for c in parent["cards"]
    )
    thread = httpx.get(readings_url(stack, f"/{parent['id']}"), headers=bearer(session)).json()[
        "follow_ups"
    ]
    assert [(f["id"], f["question"]) for f in thread] == [(follow_up["id"], follow_question)]
    history = httpx.get(readings_url(stack), headers=bearer(session)).json()["items"]
    assert [(h["id"], h["follow_ups"]) for h in history] == [(parent["id"], 1)]


def test_a_fourth_follow_up_is_refused_and_spends_nothing(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    grant_stars(sql, session["user"]["id"], 3)
    rid = submitted(stack, session)
    wait_final(stack, session, rid)
    url = readings_url(stack, f"/{rid}/follow-ups")
    for _ in range(3):
        assert (
            httpx.post(
                url, headers=bearer(session), json={"question": unique_question()}
            ).status_code
            == 202
        )
    before = wallet(stack, session)
    fourth = httpx.post(url, headers=bearer(session), json={"question": unique_question()})
    assert refusal(fourth) == (409, "follow_up_limit")
    assert wallet(stack, session)["stars"] == before["stars"]


def test_follow_up_on_an_unfinished_or_someone_elses_reading_is_refused(stack: LocalStack) -> None:
    session, other = login(stack), login(stack)
    rid = submitted(stack, session)
    wait_final(stack, session, rid)
    theirs = httpx.post(
        readings_url(stack, f"/{rid}/follow-ups"),
        headers=bearer(other),
        json={"question": unique_question()},
    )
    assert refusal(theirs) == (404, "reading_not_found")
    bad = httpx.post(
        readings_url(stack, "/not-a-uuid/follow-ups"),
        headers=bearer(session),
        json={"question": unique_question()},
    )
    assert bad.status_code == 404
    short = httpx.post(
        readings_url(stack, f"/{rid}/follow-ups"), headers=bearer(session), json={"question": "ok?"}
    )
    assert short.status_code == 422
    assert wallet(stack, other)["free_points"] == 3
