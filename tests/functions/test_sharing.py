"""Shared readings: unguessable revocable links, a public minimal view that leaks nothing private, a Flex message."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mimi.config import get_settings
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    queued_reading,
    readings_url,
    submitted,
    wait_final,
)

QUESTION = "งานใหม่ที่ฉันสมัครไว้จะได้ไหมคะ ความลับของหนูเอง"
PUBLIC_KEYS = {"language", "header", "final", "cards", "question"}
CARD_KEYS = {
    "id",
    "name",
    "name_th",
    "image",
    "position",
    "position_th",
    "position_en",
    "orientation",
}

pytestmark = pytest.mark.usefixtures("quiet_pipeline")


def share(stack: LocalStack, session: dict[str, Any], rid: str, **body: Any) -> httpx.Response:
    return httpx.post(readings_url(stack, f"/{rid}/share"), headers=bearer(session), json=body)


def public(stack: LocalStack, token: str) -> httpx.Response:
    return httpx.get(
        readings_url(stack, f"/shared/{token}")
    )  # no Authorization: anyone with the link


@pytest.fixture
def owner(stack: LocalStack) -> dict[str, Any]:
    return login(stack, name="Owner")  # one per test: the readings rate limit is per user


@pytest.fixture
def completed(stack: LocalStack, owner: dict[str, Any]) -> dict[str, Any]:
    rid = submitted(stack, owner, QUESTION)
    reading = wait_final(stack, owner, rid)
    assert reading["status"] == "completed"
    return reading


def test_a_share_link_is_unguessable_and_stored_only_as_a_hash(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any], sql: Any
) -> None:
    made = share(stack, owner, completed["id"])
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert len(token) == 43
    assert made.json()["url"] == f"{get_settings().liff_url}/shared/{token}"
    rows = sql.execute(
        "select * from private.reading_shares where reading_id = %s", (completed["id"],)
    ).fetchall()
    assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in str(rows)
    assert share(stack, owner, completed["id"]).json()["token"] != token  # each link is new


def test_the_public_view_shows_cards_header_and_final_and_leaks_nothing_private(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    view = public(stack, share(stack, owner, completed["id"]).json()["token"])
    assert view.status_code == 200, view.text
    body = view.json()
    assert set(body) == PUBLIC_KEYS
    assert body["question"] is None
    assert body["header"] == completed["result"]["header"]
    assert body["final"] == completed["result"]["final"]
    assert [c["id"] for c in body["cards"]] == [c["id"] for c in completed["cards"]]
    assert all(set(c) <= CARD_KEYS for c in body["cards"])
    text = view.text
    for private in (
        owner["user"]["id"],
        completed["id"],
        QUESTION,
        completed["result"]["reading"],
        *completed["analysis"].values(),
        *completed["result"]["suggestions"],
    ):
        assert private not in text, private


def test_the_question_is_shown_only_when_the_owner_includes_it(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    token = share(stack, owner, completed["id"], include_question=True).json()["token"]
    assert public(stack, token).json()["question"] == QUESTION


def test_the_flex_message_links_to_the_share_page(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    made = share(stack, owner, completed["id"]).json()
    flex = made["flex_message"]
    assert flex["type"] == "flex"
    assert 0 < len(flex["altText"]) <= 400
    assert flex["contents"]["type"] == "bubble"
    [button] = flex["contents"]["footer"]["contents"]
    assert button["action"] == {"type": "uri", "label": "ดูคำทำนาย", "uri": made["url"]}
    assert QUESTION not in str(flex)


def test_revoking_kills_every_link_of_the_reading(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    tokens = [share(stack, owner, completed["id"]).json()["token"] for _ in range(2)]
    revoked = httpx.delete(readings_url(stack, f"/{completed['id']}/share"), headers=bearer(owner))
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] == 2
    for token in tokens:
        gone = public(stack, token)
        assert gone.status_code == 404
        assert gone.json()["code"] == "share_not_found"


def test_deleting_the_reading_kills_the_link(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    token = share(stack, owner, completed["id"]).json()["token"]
    assert (
        httpx.delete(readings_url(stack, f"/{completed['id']}"), headers=bearer(owner)).status_code
        == 204
    )
    assert public(stack, token).status_code == 404


def test_deleting_the_account_kills_the_link(stack: LocalStack, sql: Any) -> None:
    session = login(stack, name="Leaving")
    rid = submitted(stack, session)
    wait_final(stack, session, rid)
    token = share(stack, session, rid).json()["token"]
    assert public(stack, token).status_code == 200
    assert (
        httpx.delete(f"{stack.url}/functions/profile/", headers=bearer(session)).status_code == 204
    )
    assert public(stack, token).status_code == 404
    assert (
        sql.execute(
            "select count(*) as n from private.reading_shares where reading_id = %s", (rid,)
        ).fetchone()["n"]
        == 0
    )


def test_unknown_or_malformed_tokens_are_404(stack: LocalStack) -> None:
    for token in ("x" * 43, "short", "a" * 44, "%20" * 15):
        response = public(stack, token)
        assert response.status_code == 404, token
        assert response.json()["code"] == "share_not_found", token


def test_only_the_owner_can_share_or_revoke_and_only_a_completed_reading(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    other = login(stack, name="Other")
    assert share(stack, other, completed["id"]).status_code == 404
    assert (
        httpx.delete(
            readings_url(stack, f"/{completed['id']}/share"), headers=bearer(other)
        ).status_code
        == 404
    )
    assert share(stack, owner, "not-a-uuid").status_code == 404
    pending = queued_reading(stack, owner)
    refused = share(stack, owner, pending)
    assert refused.status_code == 409
    assert refused.json()["code"] == "reading_not_completed"
    assert share(stack, owner, completed["id"], include_question="yes").status_code == 422
    assert httpx.post(readings_url(stack, f"/{completed['id']}/share"), json={}).status_code == 401


def test_deleting_a_reading_kills_the_links_of_its_follow_ups(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    asked = httpx.post(
        readings_url(stack, f"/{completed['id']}/follow-ups"),
        headers=bearer(owner),
        json={"question": "แล้วฉันควรเตรียมตัวอย่างไรดีคะ"},
    )
    assert asked.status_code == 202, asked.text
    follow_up = wait_final(stack, owner, asked.json()["id"])
    assert follow_up["status"] == "completed"
    token = share(stack, owner, follow_up["id"]).json()["token"]
    assert public(stack, token).status_code == 200
    assert (
        httpx.delete(readings_url(stack, f"/{completed['id']}"), headers=bearer(owner)).status_code
        == 204
    )
    assert public(stack, token).status_code == 404


def test_only_the_raw_token_opens_the_view_which_no_one_may_cache(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    token = share(stack, owner, completed["id"]).json()["token"]
    view = public(stack, token)
    assert view.status_code == 200, view.text
    assert (view.headers.get("cache-control"), view.headers.get("referrer-policy")) == (
        "no-store",
        "no-referrer",
    )
    stored = hashlib.sha256(token.encode()).hexdigest()
    direct = httpx.post(
        f"{stack.url}/rest/v1/rpc/shared_reading",
        headers={"apikey": stack.secrets["anon_key"]},
        json={"p_token": stored},
    )  # anon at PostgREST with the hash a database dump would show
    assert (direct.status_code, direct.json()["message"]) == (404, "share_not_found")
    old_way = httpx.post(
        f"{stack.url}/rest/v1/rpc/shared_reading",
        headers={"apikey": stack.secrets["anon_key"]},
        json={"p_token_hash": stored},
    )
    assert old_way.status_code == 404


def test_opening_a_link_never_writes_its_token_to_the_log(
    stack: LocalStack,
    owner: dict[str, Any],
    completed: dict[str, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    token = share(stack, owner, completed["id"]).json()["token"]
    assert public(stack, token).status_code == 200
    assert public(stack, token[:-1] + "x").status_code == 404
    logged = capfd.readouterr().out
    assert '"route": "/shared/{token}"' in logged
    assert token not in logged
    assert token[:-1] not in logged


def test_revoking_and_recreating_links_is_limited_per_reading(
    stack: LocalStack, owner: dict[str, Any], completed: dict[str, Any]
) -> None:
    answers = []
    for _ in range(6):
        answers.append(share(stack, owner, completed["id"]).status_code)
        httpx.delete(readings_url(stack, f"/{completed['id']}/share"), headers=bearer(owner))
    assert answers == [201] * 5 + [429]
    refused = share(stack, owner, completed["id"])
    assert (refused.status_code, refused.json().get("code")) == (429, "rate_limited")


def test_a_user_making_links_is_limited_in_redis_first(
    stack: LocalStack,
    owner: dict[str, Any],
    completed: dict[str, Any],
    env: Callable[..., None],
) -> None:
    env(SHARES_PER_HOUR="2")
    assert [share(stack, owner, completed["id"]).status_code for _ in range(2)] == [201, 201]
    refused = share(stack, owner, completed["id"])
    assert (refused.status_code, refused.json().get("code")) == (429, "rate_limited")
    assert int(refused.headers["retry-after"]) > 0
