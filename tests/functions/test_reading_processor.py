"""reading_processor: QStash-signed jobs, idempotent retries, rejections and failures refunded once, fallback."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from mimi.config import get_settings
from mimi.readings import queue
from mimi_local.openai import REJECT_MARKER
from mimi_local.pg import free_port
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    deliver,
    deliver_signed,
    dispatcher,
    failure_body,
    job_body,
    ledger_keys,
    llm_calls,
    qstash_signature,
    queued_reading,
    reading_row,
    submitted,
    unique_question,
    wait_final,
    wallet,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
CRASH_ONCE = """
create sequence if not exists public.test_crash_once_seq;
create or replace function public.test_crash_once() returns trigger language plpgsql as $$
begin
  -- nextval is not rolled back with the failing transaction, so only the first completion crashes
  if new.user_id = '{uid}'::uuid and nextval('public.test_crash_once_seq') = 1 then
    raise exception using errcode = '57P01', message = 'simulated crash before the result was stored';
  end if;
  return new;
end $$;
create trigger test_crash_once before update on public.readings for each row
  when (new.status = 'completed') execute function public.test_crash_once();
"""


@pytest.fixture
def crash_first_completion(sql: Any) -> Iterator[Callable[[str], None]]:
    """Make the first complete_reading of one user fail, as if the processor died after the LLM answered."""
    yield lambda uid: sql.execute(CRASH_ONCE.replace("{uid}", uid))
    sql.execute("drop trigger if exists test_crash_once on public.readings")
    sql.execute(
        "drop function if exists public.test_crash_once(); drop sequence if exists public.test_crash_once_seq"
    )


def refunds(keys: dict[str, int], rid: str) -> int:
    return sum(1 for k in keys if k.startswith(f"reading:{rid}:refund"))


def test_duplicate_delivery_after_completion_changes_nothing(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    question = unique_question()
    rid = submitted(stack, session, question)
    done = wait_final(stack, session, rid)
    keys = ledger_keys(sql, session["user"]["id"])
    again = deliver_signed(stack, "/", job_body(rid))
    assert again.status_code == 200
    assert again.json() == {"reading_id": rid, "status": "completed", "replayed": True}
    republished = queue.client().message.publish_json(
        url=get_settings().reading_processor_url, body={"reading_id": rid}
    )  # no dedup id: delivered again
    assert queue.publish_reading(rid) is not None  # the same dedup id: QStash drops it
    dispatcher(stack).wait_idle(20)
    delivered = dispatcher(stack).messages[republished.message_id]
    assert delivered.state == "DELIVERED"
    assert json.loads(delivered.attempts[-1].body)["replayed"] is True
    assert wait_final(stack, session, rid)["result"] == done["result"]
    assert ledger_keys(sql, session["user"]["id"]) == keys
    assert llm_calls(stack, question) == 1
    assert reading_row(sql, rid)["attempts"] == 1


def test_killed_after_the_llm_answered_the_retry_completes_once(
    stack: LocalStack, sql: Any, crash_first_completion: Callable[[str], None]
) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    crash_first_completion(uid)
    question = unique_question()
    rid = submitted(stack, session, question)
    reading = wait_final(stack, session, rid)
    assert reading["status"] == "completed"
    assert llm_calls(stack, question) == 2
    assert reading_row(sql, rid)["attempts"] == 2
    keys = ledger_keys(sql, uid)
    assert keys[f"reading:{rid}:reward:coin"] == 5
    assert refunds(keys, rid) == 0
    assert sum(1 for k in keys if k.startswith(f"reading:{rid}:")) == 3  # spend, coin, exp
    assert (wallet(stack, session)["coins"], wallet(stack, session)["exp"]) == (5, 25)


def test_rejected_question_is_refunded_once(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    rid = submitted(stack, session, unique_question(f"{REJECT_MARKER} ช่วยบอกหน่อยว่าเอไอทำงานยังไง"))
    reading = wait_final(stack, session, rid)
    assert reading["status"] == "rejected"
    assert reading["result"] is None
    assert reading["rejection"]["reason"]
    assert reading["rejection"]["suggested_question"]
    assert len(reading["cards"]) == 3
    for path, body in (
        ("/", job_body(rid)),
        ("/failed", failure_body(rid)),
        ("/failed", failure_body(rid)),
    ):
        assert deliver_signed(stack, path, body).json()["replayed"] is True
    keys = ledger_keys(sql, session["user"]["id"])
    assert keys[f"reading:{rid}:spend:free_point"] == -1
    assert keys[f"reading:{rid}:refund:free_point"] == 1
    assert refunds(keys, rid) == 1
    assert not any(k.startswith(f"reading:{rid}:reward") for k in keys)
    assert wallet(stack, session)["free_points"] == 3


def test_permanent_llm_failure_ends_in_the_failure_callback_and_refunds_once(
    stack: LocalStack, sql: Any, env: Callable[..., None]
) -> None:
    env(QSTASH_RETRIES="1")
    stack.state["openai"].always_fail(500)
    session = login(stack)
    question = unique_question()
    rid = submitted(stack, session, question)
    reading = wait_final(stack, session, rid)
    assert reading["status"] == "failed"
    assert reading["failure_reason"] == "delivery_failed"
    assert llm_calls(stack, question) == 2  # the first delivery and one retry
    callbacks = [
        m
        for m in dispatcher(stack).messages.values()
        if m.url == queue.failed_url()
        and base64.b64decode(json.loads(m.body)["sourceBody"]) == job_body(rid)
    ]
    assert len(callbacks) == 1
    assert callbacks[0].state == "DELIVERED"
    second = deliver_signed(
        stack, "/failed", callbacks[0].body
    )  # QStash delivers the callback again
    assert second.status_code == 200
    assert second.json()["replayed"] is True
    keys = ledger_keys(sql, session["user"]["id"])
    assert refunds(keys, rid) == 1
    assert keys[f"reading:{rid}:refund:free_point"] == 1
    assert wallet(stack, session)["free_points"] == 3


def test_failure_callback_for_a_completed_reading_changes_nothing(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    rid = submitted(stack, session)
    wait_final(stack, session, rid)
    response = deliver_signed(stack, "/failed", failure_body(rid))
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert refunds(ledger_keys(sql, session["user"]["id"]), rid) == 0


def test_first_provider_down_the_second_one_answers(
    stack: LocalStack, sql: Any, env: Callable[..., None]
) -> None:
    local = get_settings().llm_providers[0]
    second = {
        "name": "fallback",
        "base_url": local.base_url,
        "api_key": local.api_key.get_secret_value(),
        "model": "gpt-4o-mini",
        "timeout_s": 5,
    }
    down = {**second, "name": "primary", "base_url": f"http://127.0.0.1:{free_port()}/v1"}
    env(LLM_PROVIDERS=json.dumps([down, second]))
    session = login(stack)
    rid = submitted(stack, session)
    assert wait_final(stack, session, rid)["status"] == "completed"
    assert reading_row(sql, rid)["provider"] == "fallback"


def test_unknown_reading_is_acknowledged_without_changes(stack: LocalStack) -> None:
    rid = "00000000-0000-4000-8000-000000000000"
    for path, body in (("/", job_body(rid)), ("/failed", failure_body(rid))):
        response = deliver_signed(stack, path, body)
        assert response.status_code == 200
        assert response.json()["status"] == "unknown"


def test_signed_garbage_is_422(stack: LocalStack) -> None:
    for path, body in (
        ("/", b'{"reading_id": "nope"}'),
        ("/", b"{}"),
        ("/failed", b'{"sourceBody": "***"}'),
    ):
        response = deliver_signed(stack, path, body)
        assert response.status_code == 422, (path, body)
        assert response.headers["content-type"].startswith("application/problem+json")


def _forgeries(stack: LocalStack, body: bytes) -> list[tuple[str, bytes, str | None]]:
    url, current = get_settings().reading_processor_url, stack.secrets["qstash_current_signing_key"]
    return [
        (
            "/",
            body,
            qstash_signature("sig_not_our_key_0123456789abcdef0123456789", url, body),
        ),  # wrong key
        (
            "/",
            body,
            qstash_signature(current, url.replace("127.0.0.1", "evil.test"), body),
        ),  # sub: other URL
        ("/", body, qstash_signature(current, queue.failed_url(), body)),  # sub: the other route
        ("/", body, qstash_signature(current, url, body, age_s=600)),  # expired
        ("/", body, qstash_signature(current, url, b'{"reading_id": "other"}')),  # body swapped
        ("/", body, None),  # unsigned
        ("/", body, "not-a-jwt"),
        (
            "/failed",
            failure_body(json.loads(body)["reading_id"]),
            qstash_signature(current, url, failure_body(json.loads(body)["reading_id"])),
        ),  # signed for "/"
    ]


def test_bad_signatures_are_401_and_nothing_changes(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    question = unique_question()
    rid = queued_reading(stack, session, question)
    keys = ledger_keys(sql, session["user"]["id"])
    for path, body, signature in _forgeries(stack, job_body(rid)):
        response = deliver(stack, path, body, signature)
        assert response.status_code == 401, (path, signature)
        assert response.json()["code"] == "invalid_signature"
        assert response.headers["content-type"].startswith("application/problem+json")
    row = reading_row(sql, rid)
    assert (row["status"], row["attempts"]) == ("queued", 0)
    assert llm_calls(stack, question) == 0
    assert ledger_keys(sql, session["user"]["id"]) == keys
    url = get_settings().reading_processor_url
    by_next_key = qstash_signature(stack.secrets["qstash_next_signing_key"], url, job_body(rid))
    accepted = deliver(
        stack, "/", job_body(rid), by_next_key
    )  # during a key rotation the next key also signs
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "completed"


def test_users_cannot_call_the_processor_functions(stack: LocalStack) -> None:
    session = login(stack)
    rid = queued_reading(stack, session)
    headers = {**bearer(session), "apikey": stack.secrets["anon_key"]}
    for fn, args in (
        ("claim_reading", {"p_id": rid}),
        ("fail_reading", {"p_id": rid, "p_reason": "x"}),
        ("reject_reading", {"p_id": rid, "p_rejection": {}}),
    ):
        response = httpx.post(f"{stack.url}/rest/v1/rpc/{fn}", headers=headers, json=args)
        assert response.status_code in (401, 403, 404), fn
    with psycopg.connect(stack.pg.dsn()) as conn:
        row = conn.execute("select status from public.readings where id = %s", (rid,)).fetchone()
    assert row == ("queued",)
