"""LINE push when a reading is ready: only for users who opted in, at most once, and never at the reading's cost."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from mimi.config import get_settings
from mimi_local.openai import REJECT_MARKER
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    deliver_signed,
    dispatcher,
    failure_body,
    job_body,
    llm_calls,
    queued_reading,
    submitted,
    unique_question,
    wait_final,
    wallet,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")


def line_login(stack: LocalStack) -> tuple[dict[str, Any], str]:
    """A new user logged in with a known LINE user id."""
    sub = "U" + secrets.token_hex(16)
    return login(stack, sub=sub), sub


def opt_in(stack: LocalStack, session: dict[str, Any], on: bool = True) -> dict[str, Any]:
    response = httpx.patch(
        f"{stack.url}/functions/profile/", headers=bearer(session), json={"notify_line": on}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pushes(stack: LocalStack, sub: str) -> list[dict[str, Any]]:
    dispatcher(stack).wait_idle(20)  # the push follows the stored outcome inside the same delivery
    found: list[dict[str, Any]] = httpx.get(
        f"{stack.url}/line/dev/pushes", params={"to": sub}
    ).json()["pushes"]
    return found


@pytest.fixture(autouse=True)
def healthy_line(stack: LocalStack) -> Any:
    stack.state["line"]._failures.clear()
    yield
    stack.state["line"]._failures.clear()


def test_notify_line_is_off_by_default_and_no_push_is_sent(stack: LocalStack) -> None:
    session, sub = line_login(stack)
    assert (
        httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session)).json()["notify_line"]
        is False
    )
    rid = submitted(stack, session)
    assert wait_final(stack, session, rid)["status"] == "completed"
    assert pushes(stack, sub) == []


def test_an_opted_in_user_gets_one_thai_push_with_a_button_to_the_reading(
    stack: LocalStack,
) -> None:
    session, sub = line_login(stack)
    assert opt_in(stack, session)["notify_line"] is True
    rid = submitted(stack, session)
    assert wait_final(stack, session, rid)["status"] == "completed"
    [push] = pushes(stack, sub)
    [message] = push["messages"]
    assert message["type"] == "template"
    assert "คำทำนาย" in message["altText"]
    [button] = message["template"]["actions"]
    assert button["type"] == "uri"
    assert button["uri"] == f"{get_settings().liff_url}/readings/{rid}"
    assert (
        deliver_signed(stack, "/", job_body(rid)).json()["replayed"] is True
    )  # QStash delivers again
    assert len(pushes(stack, sub)) == 1


def test_the_profile_carries_reversals_and_notify_line_and_a_patch_takes_both(
    stack: LocalStack,
) -> None:
    session, _ = line_login(stack)
    profile = httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session)).json()
    assert (profile["reversals"], profile["notify_line"]) == (True, False)
    both = httpx.patch(
        f"{stack.url}/functions/profile/",
        headers=bearer(session),
        json={"reversals": False, "notify_line": True},
    )
    assert both.status_code == 200, both.text
    assert (both.json()["reversals"], both.json()["notify_line"]) == (False, True)
    only_reversals = httpx.patch(
        f"{stack.url}/functions/profile/", headers=bearer(session), json={"reversals": True}
    )
    assert (only_reversals.json()["reversals"], only_reversals.json()["notify_line"]) == (
        True,
        True,
    )
    profile = httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session)).json()
    assert (profile["reversals"], profile["notify_line"]) == (True, True)


def test_opting_out_again_stops_the_pushes(stack: LocalStack) -> None:
    session, sub = line_login(stack)
    opt_in(stack, session)
    assert opt_in(stack, session, on=False)["notify_line"] is False
    wait_final(stack, session, submitted(stack, session))
    assert pushes(stack, sub) == []


def test_a_rejected_and_a_failed_reading_are_pushed_too(stack: LocalStack) -> None:
    session, sub = line_login(stack)
    opt_in(stack, session)
    rejected = submitted(stack, session, unique_question(f"{REJECT_MARKER} ฉันควรทำอย่างไรดี"))
    assert wait_final(stack, session, rejected)["status"] == "rejected"
    failed = queued_reading(stack, session)
    assert deliver_signed(stack, "/failed", failure_body(failed)).json()["status"] == "failed"
    by_reading = {
        p["messages"][0]["template"]["actions"][0]["uri"].rsplit("/", 1)[-1]: p
        for p in pushes(stack, sub)
    }
    assert set(by_reading) == {rejected, failed}
    assert "คืนเครดิต" in by_reading[failed]["messages"][0]["altText"]


def test_a_failed_push_is_logged_and_neither_fails_nor_retries_the_reading(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    session, sub = line_login(stack)
    opt_in(stack, session)
    stack.state["line"].fail_next(1, 500)
    question = unique_question()
    rid = submitted(stack, session, question)
    assert wait_final(stack, session, rid)["status"] == "completed"
    assert pushes(stack, sub) == []
    assert llm_calls(stack, question) == 1
    [job] = [m for m in dispatcher(stack).messages.values() if rid.encode() in m.body]
    assert [a.status for a in job.attempts] == [
        200
    ]  # the failed push did not make QStash retry the job
    assert any(
        '"line_push_failed"' in r.getMessage() and rid in r.getMessage() for r in caplog.records
    )
    assert wallet(stack, session)["free_points"] == 2  # spent once, never refunded


def test_a_wrong_channel_token_is_refused_by_line_and_the_reading_still_completes(
    stack: LocalStack, env: Any
) -> None:
    session, sub = line_login(stack)
    opt_in(stack, session)
    env(LINE_CHANNEL_ACCESS_TOKEN="not-the-channel-token")
    rid = submitted(stack, session)
    assert wait_final(stack, session, rid)["status"] == "completed"
    assert pushes(stack, sub) == []


def test_an_unreachable_line_does_not_fail_the_reading(stack: LocalStack, env: Any) -> None:
    session, sub = line_login(stack)
    opt_in(stack, session)
    env(LINE_MESSAGING_API_URL="http://127.0.0.1:9")  # nothing listens there
    rid = submitted(stack, session)
    assert wait_final(stack, session, rid)["status"] == "completed"


def test_notify_line_must_be_a_boolean(stack: LocalStack) -> None:
    session, _ = line_login(stack)
    for bad in ("yes", 1, None):
        response = httpx.patch(
            f"{stack.url}/functions/profile/", headers=bearer(session), json={"notify_line": bad}
        )
        assert response.status_code == 422, bad
    assert (
        httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session)).json()["notify_line"]
        is False
    )
