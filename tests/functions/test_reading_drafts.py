"""A reading stored as it is written, through the whole stack: GET /readings/{id} shows the draft while writing, and
each stream fault (a cut, invalid JSON, a stall after the first token, every provider failing, the processor
killed mid-stream) ends in a completed reading from the next provider or delivery, or in exactly one refund; never
charged twice, never refunded twice; attempts only grow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mimi.config import get_settings
from mimi.readings.processor import FINAL_RESERVE_S
from mimi_local.lambda_adapter import FunctionApp, build_event, to_response
from mimi_local.openai.controls import Pace
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    deliver_signed,
    dispatcher,
    failure_body,
    job_body,
    ledger_keys,
    llm_calls,
    qstash_signature,
    queued_reading,
    reading_row,
    readings_url,
    submitted,
    unique_question,
    wait_final,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
PRIMARY, FALLBACK = "gpt-4o", "gpt-4o-mini"
WAIT_S = 30  # a bound for what must happen, never a measure of speed
# a job invoked here as Lambda would be (no dev server in between) is verified against its event's own URL
OWN_URL = "https://local.lambda-url.localhost/"
KILLABLE = """
import sys, time
from mimi_local.lambda_adapter import LambdaContext, build_event, load_handler
body, signature = sys.argv[1].encode(), sys.argv[2]
event = build_event("POST", "/", "", {"content-type": "application/json", "upstash-signature": signature}, body)
load_handler("reading_processor")(event, LambdaContext("reading_processor", "killed", time.monotonic() + 60))
"""


def until(check: Callable[[], Any], what: str) -> Any:
    """Wait (bounded) for a condition that must come true; its value."""
    deadline = time.monotonic() + WAIT_S
    while not (value := check()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)
    return value


def broadcasts(sql: Any, rid: str) -> list[dict[str, Any]]:
    """The reading's Realtime messages in commit order: event and payload."""
    rows = sql.execute(
        "select event, payload from realtime.messages where topic = %s order by inserted_at",
        (f"reading:{rid}",),
    ).fetchall()
    return [{"event": r["event"], **r["payload"]} for r in rows]


def attempts_of(sent: list[dict[str, Any]]) -> list[int]:
    """The attempt of each draft broadcast, then of the completion."""
    return [m["draft"]["attempt"] if m["event"] == "draft" else m.get("attempt") for m in sent]


def two_providers(
    stack: LocalStack, env: Callable[..., None], primary_timeout_s: float = 20
) -> None:
    """The stand-in twice: `primary` (model gpt-4o, which the faults target), then `fallback` (gpt-4o-mini)."""
    local = get_settings().llm_providers[0]
    base = {"base_url": local.base_url, "api_key": local.api_key.get_secret_value()}
    env(
        LLM_PROVIDERS=json.dumps(
            [
                {**base, "name": "primary", "model": PRIMARY, "timeout_s": primary_timeout_s},
                {**base, "name": "fallback", "model": FALLBACK, "timeout_s": 20},
            ]
        )
    )


def charged_once(sql: Any, uid: str, rid: str, *, refunded: bool) -> None:
    keys = ledger_keys(sql, uid)
    assert sum(1 for k in keys if k.startswith(f"reading:{rid}:spend")) == 1
    assert sum(1 for k in keys if k.startswith(f"reading:{rid}:refund")) == int(refunded)
    assert sum(1 for k in keys if k.startswith(f"reading:{rid}:reward")) == (0 if refunded else 2)


def test_get_shows_the_draft_while_the_reading_is_written_then_the_result(
    stack: LocalStack, sql: Any
) -> None:
    stack.state["openai"].pace = Pace(0.0, 150.0)
    session = login(stack)
    rid = submitted(stack, session)

    def writing_with_header() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(
            readings_url(stack, f"/{rid}"), headers=bearer(session)
        ).json()
        draft = body.get("draft") or {}
        return body if body["status"] == "writing" and draft.get("header") else None

    seen = until(writing_with_header, "a draft with its header")
    assert seen["draft"]["attempt"] == 1 and seen["draft"]["accepted"] is True
    assert seen["result"] is None and len(seen["cards"]) == 3
    done = wait_final(stack, session, rid)
    assert (done["status"], done["draft"]) == ("completed", None)
    assert done["result"]["header"].startswith(seen["draft"]["header"].rstrip("…")[:5])
    sent = broadcasts(sql, rid)
    assert [m["event"] for m in sent][-1] == "completed" and sent[-1]["attempt"] == 1
    assert {m["event"] for m in sent[:-1]} == {"draft"}
    assert set(attempts_of(sent)) == {1}
    received = [m["draft"] for m in sent[:-1]]
    assert len(received) >= 3 and received[0] == {"attempt": 1, "writing": None, "accepted": None}


@pytest.mark.parametrize(
    ("kind", "options"),
    [("cut", {}), ("invalid_json", {"after_tokens": 80}), ("stall", {"stall_s": 5})],
    ids=["cut", "invalid-json", "stall-after-the-first-token"],
)
def test_a_broken_stream_falls_back_as_a_new_attempt_and_completes_once(
    stack: LocalStack, sql: Any, env: Callable[..., None], kind: str, options: dict[str, Any]
) -> None:
    two_providers(stack, env, primary_timeout_s=1)
    stack.state["openai"].fault_stream(kind, model=PRIMARY, **options)
    session = login(stack)
    question = unique_question()
    rid = submitted(stack, session, question)
    done = wait_final(stack, session, rid, timeout=WAIT_S)
    assert done["status"] == "completed"
    assert reading_row(sql, rid)["provider"] == "fallback"
    assert llm_calls(stack, question) == 2
    attempts = attempts_of(broadcasts(sql, rid))
    assert attempts == sorted(attempts) and attempts[0] == 1 and attempts[-1] == 2
    charged_once(sql, session["user"]["id"], rid, refunded=False)


def test_every_provider_failing_on_every_delivery_ends_in_one_refund(
    stack: LocalStack, sql: Any, env: Callable[..., None]
) -> None:
    env(QSTASH_RETRIES="1")
    two_providers(stack, env)
    stack.state["openai"].fault_stream("cut", times=None)
    session = login(stack)
    question = unique_question()
    rid = submitted(stack, session, question)
    done = wait_final(stack, session, rid, timeout=WAIT_S)
    assert (done["status"], done["failure_reason"]) == ("failed", "delivery_failed")
    dispatcher(stack).wait_idle(WAIT_S)
    assert llm_calls(stack, question) == 4  # two providers, two deliveries
    sent = broadcasts(sql, rid)
    assert [m["draft"]["attempt"] for m in sent if m["event"] == "draft"][0] == 1
    assert sorted({m["draft"]["attempt"] for m in sent if m["event"] == "draft"}) == [
        1,
        2,
        101,
        102,
    ]
    assert [m["event"] for m in sent].count("failed") == 1 and sent[-1]["event"] == "failed"
    assert deliver_signed(stack, "/", job_body(rid)).json()["replayed"] is True
    assert (
        deliver_signed(stack, "/failed", failure_body(rid)).json()["replayed"] is True
    )  # redelivered
    assert [m["event"] for m in broadcasts(sql, rid)].count("failed") == 1
    charged_once(sql, session["user"]["id"], rid, refunded=True)


def test_a_processor_killed_mid_stream_is_finished_by_qstashs_next_delivery_once(
    stack: LocalStack, sql: Any
) -> None:
    stack.state["openai"].pace = Pace(0.0, 40.0)  # ~15 s to write: killed long before the end
    session = login(stack)
    question = unique_question()
    rid = queued_reading(stack, session, question)
    body = job_body(rid)
    signature = qstash_signature(stack.secrets["qstash_current_signing_key"], OWN_URL, body)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, body.decode(), signature], env=dict(os.environ)
    )
    try:
        until(lambda: (reading_row(sql, rid)["draft"] or {}).get("header"), "drafts stored")
    finally:
        child.kill()
        child.wait()
    killed = reading_row(sql, rid)
    assert (killed["status"], killed["attempts"], killed["draft_attempt"]) == ("writing", 1, 1)
    stack.state["openai"].pace = Pace()
    again = deliver_signed(
        stack, "/", body
    )  # QStash's redelivery of the job it never got an answer for
    assert again.json() == {"reading_id": rid, "status": "completed", "replayed": False}
    row = reading_row(sql, rid)
    assert (row["status"], row["attempts"], row["draft"]) == ("completed", 2, None)
    attempts = attempts_of(broadcasts(sql, rid))
    assert attempts == sorted(attempts) and set(attempts) == {1, 101}
    assert llm_calls(stack, question) == 2
    charged_once(sql, session["user"]["id"], rid, refunded=False)


def test_a_reading_refunded_while_written_stops_the_stream_and_is_not_rewarded(
    stack: LocalStack, sql: Any
) -> None:
    stack.state["openai"].pace = Pace(0.0, 40.0)
    session = login(stack)
    question = unique_question()
    rid = submitted(stack, session, question)
    until(lambda: reading_row(sql, rid)["status"] == "writing", "writing")
    sql.execute("select public.fail_reading(%s, 'admin_refund')", (rid,))
    dispatcher(stack).wait_idle(WAIT_S)
    row = reading_row(sql, rid)
    assert (row["status"], row["result"], row["draft"]) == ("failed", None, None)
    assert llm_calls(stack, question) == 1
    charged_once(sql, session["user"]["id"], rid, refunded=True)


def test_the_processor_takes_its_deadline_from_the_lambda_context(
    stack: LocalStack, sql: Any, env: Callable[..., None]
) -> None:
    two_providers(stack, env, primary_timeout_s=5)  # the fallback waits up to 20 s
    session = login(stack)
    question = unique_question()
    rid = queued_reading(stack, session, question)
    body = job_body(rid)
    signature = qstash_signature(stack.secrets["qstash_current_signing_key"], OWN_URL, body)
    headers = {"content-type": "application/json", "upstash-signature": signature}
    short = FunctionApp(
        "reading_processor", timeout_s=FINAL_RESERVE_S + 2
    )  # 2 s for the model: none fits
    answer = to_response(short.invoke(build_event("POST", "/", "", headers, body)))
    assert (answer.status_code, json.loads(answer.body).get("code")) == (503, "llm_unavailable")
    assert llm_calls(stack, question) == 0
    assert reading_row(sql, rid)["status"] == "processing"
    assert (
        deliver_signed(stack, "/", body).json()["status"] == "completed"
    )  # a whole minute is enough
    charged_once(sql, session["user"]["id"], rid, refunded=False)
