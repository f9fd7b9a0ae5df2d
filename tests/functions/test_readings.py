"""readings function: submit → QStash → processor → completed, validation, limits, history, delete, review."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mimi import kv, ratelimit
from mimi.agent import PROMPT_VERSION
from mimi.agent.cost import cost_usd
from mimi_local.pg import free_port
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import (
    QUESTION_TH,
    grant_stars,
    ledger_keys,
    reading_row,
    readings_url,
    submit,
    submitted,
    unique_question,
    wait_final,
    wallet,
)

pytestmark = pytest.mark.usefixtures("quiet_pipeline")
RESULT_KEYS = {
    "header",
    "cards",
    "reading",
    "suggestions",
    "next_questions",
    "final",
    "end",
    "notice",
}
CARD_KEYS = {
    "id",
    "name",
    "name_th",
    "image",
    "orientation",
    "position",
    "position_th",
    "position_en",
    "meaning",
    "short_meaning",
}


def test_journey_submit_to_completed_spends_once_and_rewards_once(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack, name="Journey")
    uid = session["user"]["id"]
    response = submit(stack, session, QUESTION_TH + " ในปีนี้")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert response.json()["wallet"]["free_points"] == 2
    rid = response.json()["id"]
    reading = wait_final(stack, session, rid)
    assert reading["status"] == "completed"
    assert reading["language"] == "th"
    assert reading["depth"] == "standard"
    result = reading["result"]
    assert set(result) == RESULT_KEYS
    assert len(result["suggestions"]) == 3
    assert len(result["next_questions"]) == 3
    assert [c["position"] for c in result["cards"]] == ["past", "present", "future"]
    assert all(set(c) == CARD_KEYS and c["name_th"] and c["meaning"] for c in result["cards"])
    assert len({c["id"] for c in result["cards"]}) == 3
    assert set(reading["analysis"]) == {"mood", "topic", "period"}
    assert reading["analysis"]["topic"] == "ความรัก"
    w = wallet(stack, session)
    assert (w["free_points"], w["stars"], w["coins"], w["exp"]) == (2, 0, 5, 25)
    keys = ledger_keys(sql, uid)
    assert keys == {
        f"welcome:{uid}:free_point": 3,
        f"reading:{rid}:spend:free_point": -1,
        f"reading:{rid}:reward:coin": 5,
        f"reading:{rid}:reward:exp": 25,
    }
    row = reading_row(sql, rid)
    assert row["provider"] == "local"
    assert row["model"] == "gpt-4o-mini"
    assert row["prompt_version"] == PROMPT_VERSION
    assert row["prompt_tokens"] > 0
    assert row["completion_tokens"] > 0
    assert row["attempts"] == 1
    assert cost_usd(row["prompt_tokens"], row["completion_tokens"]) > 0


def test_deep_english_reading_has_five_distinct_cards(stack: LocalStack) -> None:
    session = login(stack)
    rid = submitted(
        stack, session, unique_question("Will my new job bring me joy"), depth="deep", language="en"
    )
    reading = wait_final(stack, session, rid)
    cards = reading["result"]["cards"]
    assert reading["status"] == "completed"
    assert reading["language"] == "en"
    assert len(cards) == 5
    assert len({c["id"] for c in cards}) == 5
    assert cards[0]["position"] == "situation"
    assert reading["analysis"]["topic"] == "work"


def test_language_defaults_to_the_profile_language(stack: LocalStack) -> None:
    session = login(stack)
    httpx.patch(f"{stack.url}/functions/profile/", headers=bearer(session), json={"language": "en"})
    rid = submitted(stack, session, unique_question("How will my family life go"))
    assert wait_final(stack, session, rid)["language"] == "en"


@pytest.mark.parametrize(
    "body",
    [
        {"question": "123456789"},  # 9 characters
        {"question": "abcdefghi"},  # 9 letters (the SQL would say invalid_question)
        {"question": "x" * 501},  # 501 characters
        {"question": "   12345678 \t "},  # 8 after trimming
        {"question": "ความรัก\u0000ของฉันเป็นยังไง"},  # NUL
        {"question": "ความรักของฉัน\nจะเป็นอย่างไร"},  # newline is a control character
        {"question": "what about\u0007my love life"},  # bell
        {"question": "\u200b" * 20},  # zero-width spaces only
        {"question": "ab" + "\u200d\ufeff" * 10},  # 2 visible characters
        {"question": "1234567890?"},  # no letters
        {},
        {"question": 1234567890123},
        {"question": None},
        {"question": QUESTION_TH, "depth": "huge"},
        {"question": QUESTION_TH, "depth": 1},
        {"question": QUESTION_TH, "language": "jp"},
        {"question": QUESTION_TH, "cards": ["the-sun"]},
    ],
)
def test_bad_questions_are_422_and_spend_nothing(
    stack: LocalStack, sql: Any, body: dict[str, Any]
) -> None:
    session = login(stack)
    response = httpx.post(readings_url(stack), headers=bearer(session), json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_failed"
    assert wallet(stack, session)["free_points"] == 3
    assert (
        sql.execute(
            "select count(*) as n from public.readings where user_id = %s", (session["user"]["id"],)
        ).fetchone()["n"]
        == 0
    )


def test_malformed_json_is_400_and_spends_nothing(stack: LocalStack) -> None:
    session = login(stack)
    response = httpx.post(
        readings_url(stack),
        headers={**bearer(session), "content-type": "application/json"},
        content=b'{"question": ',
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert wallet(stack, session)["free_points"] == 3


def test_length_counts_code_points_after_nfc(stack: LocalStack) -> None:
    session = login(stack)
    thai_ten = "รักจะดีไหม"  # 10 code points: 2 of them are combining vowel marks
    assert len(thai_ten) == 10
    assert any(unicodedata.combining(c) or unicodedata.category(c) == "Mn" for c in thai_ten)
    assert submit(stack, session, thai_ten).status_code == 202
    decomposed = "e\u0301" * 500  # 1000 code points in NFD, 500 after NFC
    response = submit(stack, session, decomposed)
    assert response.status_code == 202
    assert (
        httpx.get(readings_url(stack, f"/{response.json()['id']}"), headers=bearer(session)).json()[
            "question"
        ]
        == "\u00e9" * 500
    )
    assert submit(stack, session, "รักจะดีไห").status_code == 422  # 9 code points


def inside_one_limiter_window(needed_s: float = 10, window_s: int = 60) -> None:
    """Wait until the rest of the limiter's minute can hold the whole test."""
    # upstash's sliding window weighs the previous minute with a floor(), so across a boundary a 6th may pass
    left = window_s - time.time() % window_s
    if left < needed_s:
        time.sleep(left + 0.1)


def five_then_a_sixth(
    stack: LocalStack, sql: Any, stars: int
) -> tuple[dict[str, Any], dict[str, Any], httpx.Response]:
    """A new user with `stars` submits five readings inside one limiter minute, then a sixth: the session, the
    wallet before the sixth, and the sixth's response."""
    session = login(stack)
    grant_stars(sql, session["user"]["id"], stars)
    inside_one_limiter_window()
    for _ in range(5):
        assert submit(stack, session).status_code == 202
    before = wallet(stack, session)
    return session, before, submit(stack, session)


def spend_keys(sql: Any, user_id: str) -> list[str]:
    """The ledger keys of what the user spent on readings (stars or free points)."""
    return [
        k
        for k in ledger_keys(sql, user_id)
        if k.endswith(":spend:free_point") or k.endswith(":spend:star")
    ]


def test_sixth_reading_in_a_minute_is_429_and_spends_nothing(stack: LocalStack, sql: Any) -> None:
    session, before, sixth = five_then_a_sixth(stack, sql, 5)
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "rate_limited"
    # the function's own limiter answers first (the SQL limit behind it says the same in its HINT)
    assert 1 <= int(sixth.headers.get("Retry-After", "0")) <= 60
    after = wallet(stack, session)
    assert (
        (after["stars"], after["free_points"]) == (before["stars"], before["free_points"]) == (3, 0)
    )
    assert len(spend_keys(sql, session["user"]["id"])) == 5


def test_the_functions_own_limiter_refuses_the_sixth_before_sql_is_asked(
    stack: LocalStack, sql: Any
) -> None:
    """Redis answers first, so a burst never reaches Postgres: with the SQL minute limit out of the way, the
    function's own limiter alone still refuses the sixth reading of a minute."""
    sql.execute("update public.app_settings set value = 1000 where key = 'readings_per_minute'")
    try:
        session, _, sixth = five_then_a_sixth(stack, sql, 6)
        assert sixth.status_code == 429
        assert sixth.json()["code"] == "rate_limited"
        assert len(spend_keys(sql, session["user"]["id"])) == 5
    finally:
        sql.execute("update public.app_settings set value = 5 where key = 'readings_per_minute'")


def test_a_direct_rpc_with_the_users_token_cannot_skip_the_reading_limits(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    grant_stars(sql, session["user"]["id"], 10)
    inside_one_limiter_window()
    for _ in range(5):
        assert submit(stack, session).status_code == 202
    assert submit(stack, session).status_code == 429
    headers = {
        "apikey": stack.secrets["anon_key"],
        "Authorization": f"Bearer {session['access_token']}",
    }
    for _ in range(3):  # the user's own token and the public anon key, straight to PostgREST
        direct = httpx.post(
            f"{stack.url}/rest/v1/rpc/submit_reading",
            headers=headers,
            json={"p_question": unique_question()},
        )
        assert direct.status_code == 429
        assert direct.json()["message"] == "rate_limited"
    assert (
        sql.execute(
            "select count(*) as n from public.readings where user_id = %s", (session["user"]["id"],)
        ).fetchone()["n"]
        == 5
    )


def _seed_readings_today(user_id: str, count: int) -> None:
    """Record `count` readings in the user's day-limit window (this one and the next, should the day turn)."""
    day_ms = 86400 * 1000
    window = int(time.time() * 1000) // day_ms
    for index in (window, window + 1):
        kv.redis().set(f"mimi:rl:readings_day:{user_id}:{index}", count, ex=2 * 86400)


def test_the_61st_reading_of_the_day_is_429_and_spends_nothing(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    uid = session["user"]["id"]
    _seed_readings_today(uid, 59)  # 59 readings earlier today, none in this minute
    sixtieth, sixty_first = (
        submit(stack, session),
        submit(stack, session),
    )  # 2 in a minute: the minute limit is 5
    assert (sixtieth.status_code, sixty_first.status_code, sixty_first.json().get("code")) == (
        202,
        429,
        "rate_limited",
    )
    assert wallet(stack, session)["free_points"] == 2
    assert (
        sql.execute(
            "select count(*) as n from public.readings where user_id = %s", (uid,)
        ).fetchone()["n"]
        == 1
    )


def test_without_credit_submit_is_409_and_nothing_is_queued(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    for _ in range(3):
        assert submit(stack, session).status_code == 202
    response = submit(stack, session)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_credits"
    assert (
        sql.execute(
            "select count(*) as n from public.readings where user_id = %s", (session["user"]["id"],)
        ).fetchone()["n"]
        == 3
    )


def test_queue_down_is_503_and_the_credit_comes_back(
    stack: LocalStack, sql: Any, env: Callable[..., None]
) -> None:
    session = login(stack)
    env(QSTASH_URL=f"http://127.0.0.1:{free_port()}/qstash")
    response = submit(stack, session)
    assert response.status_code == 503
    assert response.json()["code"] == "queue_unavailable"
    assert wallet(stack, session)["free_points"] == 3
    row = sql.execute(
        "select * from public.readings where user_id = %s", (session["user"]["id"],)
    ).fetchone()
    assert row["status"] == "failed"
    assert row["failure_reason"] == "cancelled"
    keys = ledger_keys(sql, session["user"]["id"])
    assert keys[f"reading:{row['id']}:spend:free_point"] == -1
    assert keys[f"reading:{row['id']}:refund:free_point"] == 1


def test_rate_limiter_down_is_503_and_spends_nothing(
    stack: LocalStack, env: Callable[..., None]
) -> None:
    session = login(stack)
    env(UPSTASH_REDIS_REST_URL=f"http://127.0.0.1:{free_port()}/upstash/redis")
    ratelimit.limiter.cache_clear()  # kv's clients are kept per URL: the new URL gets its own
    try:
        response = submit(stack, session)
    finally:
        ratelimit.limiter.cache_clear()  # the env fixture restores the URL after this test
    assert response.status_code == 503
    assert response.json()["code"] == "rate_limit_unavailable"
    assert wallet(stack, session)["free_points"] == 3


def test_history_is_newest_first_with_a_cursor_and_hides_deleted(stack: LocalStack) -> None:
    session = login(stack)
    ids = [submitted(stack, session) for _ in range(3)]
    for rid in ids:
        wait_final(stack, session, rid)
    first = httpx.get(readings_url(stack), headers=bearer(session), params={"limit": 2}).json()
    assert [r["id"] for r in first["items"]] == ids[::-1][:2]
    assert first["next_cursor"]
    assert first["items"][0]["header"]
    assert first["items"][0]["reviewed"] is False
    rest = httpx.get(
        readings_url(stack),
        headers=bearer(session),
        params={"limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [r["id"] for r in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None
    assert (
        httpx.delete(readings_url(stack, f"/{ids[1]}"), headers=bearer(session)).status_code == 204
    )
    after = httpx.get(readings_url(stack), headers=bearer(session)).json()
    assert [r["id"] for r in after["items"]] == [ids[2], ids[0]]
    assert httpx.get(readings_url(stack, f"/{ids[1]}"), headers=bearer(session)).status_code == 404
    assert (
        httpx.delete(readings_url(stack, f"/{ids[1]}"), headers=bearer(session)).status_code == 404
    )
    bad = httpx.get(
        readings_url(stack), headers=bearer(session), params={"cursor": "bm90LWEtdXVpZA"}
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


def test_another_users_reading_is_404_everywhere(stack: LocalStack) -> None:
    owner, other = login(stack, name="Owner"), login(stack, name="Other")
    rid = submitted(stack, owner)
    wait_final(stack, owner, rid)
    for method, path, body in [
        ("GET", f"/{rid}", None),
        ("DELETE", f"/{rid}", None),
        ("POST", f"/{rid}/review", {"accuracy": 50}),
        ("GET", "/not-a-uuid", None),
    ]:
        response = httpx.request(
            method, readings_url(stack, path), headers=bearer(other), json=body
        )
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "reading_not_found"
    assert httpx.get(readings_url(stack), headers=bearer(other)).json()["items"] == []
    assert httpx.get(readings_url(stack, f"/{rid}"), headers=bearer(owner)).status_code == 200


def test_review_once_with_a_reward_once(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    rid = submitted(stack, session)
    wait_final(stack, session, rid)
    url = readings_url(stack, f"/{rid}/review")
    for bad in (
        {"accuracy": 101},
        {"accuracy": -1},
        {"accuracy": "80"},
        {"accuracy": 80.5},
        {},
        {"accuracy": 80, "comment": "x" * 501},
        {"accuracy": 80, "comment": "a\u0000b"},
    ):
        assert httpx.post(url, headers=bearer(session), json=bad).status_code == 422, bad
    first = httpx.post(
        url, headers=bearer(session), json={"accuracy": 80, "comment": " แม่นมากค่ะ\nขอบคุณ "}
    )
    assert first.status_code == 200, first.text
    assert first.json()["reward"] == {"coin": 2, "exp": 10}
    assert first.json()["comment"] == "แม่นมากค่ะ\nขอบคุณ"
    again = httpx.post(url, headers=bearer(session), json={"accuracy": 10})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"
    w = wallet(stack, session)
    assert (w["coins"], w["exp"]) == (7, 35)
    assert (
        sum(
            1
            for k in ledger_keys(sql, session["user"]["id"])
            if k.startswith(f"reading:{rid}:review")
        )
        == 2
    )
    history = httpx.get(readings_url(stack), headers=bearer(session)).json()["items"]
    assert history[0]["reviewed"] is True


def test_only_a_completed_reading_can_be_reviewed(stack: LocalStack) -> None:
    session = login(stack)
    rid = submitted(stack, session, unique_question("[[REJECT]] ความรักของฉัน"))
    assert wait_final(stack, session, rid)["status"] == "rejected"
    response = httpx.post(
        readings_url(stack, f"/{rid}/review"), headers=bearer(session), json={"accuracy": 90}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "reading_not_completed"


def test_readings_need_a_login(stack: LocalStack) -> None:
    assert httpx.get(readings_url(stack)).status_code == 401
    assert httpx.post(readings_url(stack), json={"question": QUESTION_TH}).status_code == 401
