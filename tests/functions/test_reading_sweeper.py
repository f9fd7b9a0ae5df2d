"""The stale-reading sweep: a reading paid for but never delivered is failed and refunded once, on schedule."""

from __future__ import annotations

from typing import Any

import pytest

from mimi.readings import queue
from mimi_local.stack import LocalStack
from tests.functions.conftest import login
from tests.functions.readings_support import (
    deliver,
    deliver_signed,
    dispatcher,
    ledger_keys,
    queued_reading,
    reading_row,
    wallet,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")


def age(sql: Any, reading_id: str, minutes: int) -> None:
    sql.execute(
        "update public.readings set created_at = now() - make_interval(mins => %s) where id = %s",
        (minutes, reading_id),
    )


def test_a_stale_unprocessed_reading_is_failed_and_refunded_once(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    stale, fresh = queued_reading(stack, session), queued_reading(stack, session)
    age(sql, stale, 30)
    assert wallet(stack, session)["free_points"] == 1
    first = deliver_signed(stack, "/sweep", b"")
    assert first.status_code == 200
    assert stale in first.json()["reading_ids"]
    assert fresh not in first.json()["reading_ids"]
    again = deliver_signed(stack, "/sweep", b"")
    assert stale not in again.json()["reading_ids"]
    row = reading_row(sql, stale)
    assert (row["status"], row["failure_reason"]) == ("failed", "never_processed")
    assert reading_row(sql, fresh)["status"] == "queued"
    assert wallet(stack, session)["free_points"] == 2
    assert ledger_keys(sql, session["user"]["id"]).get(f"reading:{stale}:refund:free_point") == 1


def test_a_claimed_reading_is_left_to_qstash_retries(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    claimed = queued_reading(stack, session)
    sql.execute("select public.claim_reading(%s)", (claimed,))
    age(sql, claimed, 60)
    deliver_signed(stack, "/sweep", b"")
    assert reading_row(sql, claimed)["status"] == "processing"


def test_the_sweep_runs_from_a_real_qstash_delivery(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    stale = queued_reading(stack, session)
    age(sql, stale, 20)
    queue.client().message.publish_json(url=queue.sweep_url(), body={}, retries=0)
    dispatcher(stack).wait_idle(20)
    assert reading_row(sql, stale)["status"] == "failed"


def test_an_unsigned_sweep_is_refused_and_changes_nothing(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    stale = queued_reading(stack, session)
    age(sql, stale, 30)
    response = deliver(stack, "/sweep", b"", None)
    assert response.status_code == 401
    assert reading_row(sql, stale)["status"] == "queued"
    deliver_signed(stack, "/sweep", b"")  # leave nothing stale for later modules
