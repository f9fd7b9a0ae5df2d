"""LINE pushes in SQL (0024): the processor's claim lets a finished reading's push happen once, also when two
deliveries claim it at once (lock-step), and only for an opted-in owner of a finished, undeleted reading. The LINE
stand-in's retry-key dedup would hide a second push end to end, so the claim is tested here, as the server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login, outcome
from tests.sql.test_privacy import as_user, wait_until_blocked
from tests.sql.test_readings import claim, complete, service, submit

Conn = psycopg.Connection[dict[str, Any]]
CLAIM = "select public.claim_line_push(%s) as r"


def opted_in(db: Conn) -> tuple[str, str]:
    """A user who asked for LINE pushes: (user id, LINE user id)."""
    user = login(db)["user"]
    as_user(db, user["id"], "public.set_line_notifications(true)")
    line = db.execute("select line_user_id from public.users where id = %s", (user["id"],))
    return user["id"], str(line.fetchone()["line_user_id"])


def finished(db: Conn, uid: str, status: str = "completed") -> str:
    rid = str(submit(db, uid)["id"])
    claim(db, rid)
    if status == "completed":
        complete(db, rid)
    elif status == "rejected":
        service(db, 'public.reject_reading(%s, \'{"reason": "r"}\')', (rid,))
    else:
        service(db, "public.fail_reading(%s, 'model_error')", (rid,))
    return rid


def claim_push(db: Conn, rid: str) -> Any:
    """What the processor's claim answers (an error as {"error", "code"}, so a test compares it, never dies)."""
    return outcome(db, CLAIM, (rid,), "service_role")


def pushes(db: Conn, rid: str) -> int:
    row = db.execute("select count(*) as n from private.line_pushes where reading_id = %s", (rid,))
    return int(row.fetchone()["n"])


@pytest.mark.parametrize("status", ["completed", "rejected", "failed"])
def test_a_finished_readings_push_is_claimed_once_however_often_it_is_asked(
    db: Conn, status: str
) -> None:
    uid, line = opted_in(db)
    rid = finished(db, uid, status)
    first = claim_push(db, rid)
    assert first == {"reading_id": rid, "status": status, "language": "th", "line_user_id": line}
    assert [claim_push(db, rid) for _ in range(2)] == [None, None]
    assert pushes(db, rid) == 1


def test_two_deliveries_claiming_at_once_push_once(db: Conn, pg: PgCluster) -> None:
    uid, _ = opted_in(db)
    rid = finished(db, uid)
    with (
        psycopg.connect(pg.dsn(), row_factory=dict_row) as first,
        psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as second,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        first.execute("select 1")  # a transaction left open: the first claim is not committed yet
        held = call_as(first, "service_role", CLAIM, (rid,))["r"]
        later = pool.submit(lambda: call_as(second, "service_role", CLAIM, (rid,))["r"])
        wait_until_blocked(db, second.info.backend_pid)  # the second claim waits on the first's row
        first.commit()
        assert (held["reading_id"], later.result(timeout=30)) == (rid, None)
    assert pushes(db, rid) == 1


def test_no_push_before_the_reading_is_finished(db: Conn) -> None:
    uid, _ = opted_in(db)
    queued = str(submit(db, uid)["id"])
    processing = str(submit(db, uid)["id"])
    claim(db, processing)
    assert [claim_push(db, rid) for rid in (queued, processing)] == [None, None]
    assert pushes(db, queued) + pushes(db, processing) == 0
    complete(db, processing)
    assert (
        claim_push(db, processing).get("status") == "completed"
    )  # once it is finished, it is pushed


def test_no_push_without_the_owners_opt_in(db: Conn) -> None:
    uid = login(db)["user"]["id"]  # LINE pushes are off by default
    rid = finished(db, uid)
    assert claim_push(db, rid) is None
    assert pushes(db, rid) == 0


def test_no_push_for_a_reading_its_owner_deleted(db: Conn) -> None:
    uid, _ = opted_in(db)
    rid = finished(db, uid)
    as_user(db, uid, "public.delete_reading(%s)", (rid,))
    assert claim_push(db, rid) is None
    assert pushes(db, rid) == 0
