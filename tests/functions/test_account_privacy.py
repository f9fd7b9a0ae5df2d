"""PDPA through the functions: DELETE /profile/ (account deletion), GET /profile/export, and coming back."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx

from mimi_local.stack import LocalStack
from tests.functions.admin_support import adjust, call, new_admin
from tests.functions.conftest import bearer, login
from tests.functions.payments_support import buy, dev_action
from tests.functions.readings_support import readings_url, submitted, unique_question, wait_final
from tests.functions.test_admin_operations import WHY, dead_lettered


def profile_url(stack: LocalStack, path: str = "/") -> str:
    return f"{stack.url}/functions/profile{path}"


def refresh(stack: LocalStack, session: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/functions/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )


def problem_code(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, str(response.json()["code"])


def tables_mentioning(sql: Any, needles: list[str]) -> list[str]:
    """Every table in public and private whose rows, as text, contain one of the needles."""
    tables = [
        r["t"]
        for r in sql.execute(
            "select format('%I.%I', n.nspname, c.relname) as t from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind = 'r' and n.nspname in ('public', 'private')"
        ).fetchall()
    ]
    return [
        t
        for t in tables
        if sql.execute(
            f"select exists (select 1 from {t} x, unnest(%s::text[]) s where strpos(x::text, s) > 0) as hit",
            (needles,),
        ).fetchone()["hit"]
    ]


def test_delete_answers_204_twice_and_the_old_tokens_stop_working(stack: LocalStack) -> None:
    session = login(stack, name="Ploy")
    assert httpx.delete(profile_url(stack), headers=bearer(session)).status_code == 204
    assert httpx.delete(profile_url(stack), headers=bearer(session)).status_code == 204
    for path in ("/", "/export"):
        assert problem_code(httpx.get(profile_url(stack, path), headers=bearer(session))) == (
            401,
            "account_deleted",
        )
    assert problem_code(
        httpx.post(
            readings_url(stack), headers=bearer(session), json={"question": unique_question()}
        )
    ) == (401, "account_deleted")
    assert (
        httpx.get(profile_url(stack, "/transactions"), headers=bearer(session)).json()["items"]
        == []
    )
    direct = {**bearer(session), "apikey": stack.secrets["anon_key"]}
    assert httpx.get(f"{stack.url}/rest/v1/wallets?select=stars", headers=direct).json() == []
    assert problem_code(refresh(stack, session))[0] == 401


def test_export_is_a_no_store_download_of_everything_about_the_user(stack: LocalStack) -> None:
    sub, question = "U" + secrets.token_hex(16), unique_question()
    session = login(stack, "Fon", sub=sub)
    reading = submitted(stack, session, question)
    wait_final(stack, session, reading)
    response = httpx.get(profile_url(stack, "/export"), headers=bearer(session))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == 'attachment; filename="mimivibes-export.json"'
    got = response.json()
    assert got["user"]["line_user_id"] == sub
    assert got["user"]["display_name"] == "Fon"
    assert [(r["id"], r["question"], r["status"]) for r in got["readings"]] == [
        (reading, question, "completed")
    ]
    assert got["readings"][0]["result"]["cards"]
    assert got["wallet"]["coins"] == 5
    assert len(got["sessions"]) == 1
    assert "token_hash" not in response.text
    assert session["refresh_token"] not in response.text


def test_delete_and_export_need_a_logged_in_user(stack: LocalStack) -> None:
    for method, path in (("DELETE", "/"), ("GET", "/export")):
        response = httpx.request(method, profile_url(stack, path))
        assert problem_code(response) == (401, "auth_required"), (method, path)


def test_journey_a_busy_user_deletes_the_account_and_comes_back_with_line(
    stack: LocalStack, sql: Any
) -> None:
    """Readings, a review, a payment and a referral; delete; nothing personal is left; LINE login is a new user."""
    inviter = login(stack, name="Inviter")
    sub, name, question = (
        "U" + secrets.token_hex(16),
        f"Kanya {secrets.token_hex(3)}",
        unique_question(),
    )
    picture, comment = (
        f"https://profile.line-scdn.net/{secrets.token_hex(8)}",
        f"แม่นมาก {secrets.token_hex(3)}",
    )
    session = login(stack, name, inviter["user"]["referral_code"], sub=sub, picture=picture)
    uid, code = session["user"]["id"], session["user"]["referral_code"]
    reading = submitted(stack, session, question)
    wait_final(stack, session, reading)
    review = httpx.post(
        readings_url(stack, f"/{reading}/review"),
        headers=bearer(session),
        json={"accuracy": 80, "comment": comment},
    )
    assert review.status_code == 200, review.text
    pi = buy(stack, session)["payment_intent_id"]
    dev_action(stack, pi, "succeed")
    needles = [sub, name, question, comment, picture, code]
    assert set(tables_mentioning(sql, needles)) >= {
        "public.users",
        "public.readings",
        "public.reading_reviews",
    }

    assert httpx.delete(profile_url(stack), headers=bearer(session)).status_code == 204
    assert tables_mentioning(sql, needles) == []
    left = sql.execute("select private.account_export(%s) as r", (uid,)).fetchone()["r"]
    assert (left["readings"], left["reviews"], left["sessions"]) == ([], [], [])
    assert [p["stars_credited"] for p in left["payments"]] == [25]
    assert left["wallet"]["stars"] == 26
    assert problem_code(httpx.get(profile_url(stack, "/export"), headers=bearer(session))) == (
        401,
        "account_deleted",
    )
    assert problem_code(refresh(stack, session))[0] == 401
    dev_action(
        stack, pi, "refund", amount=19900
    )  # Stripe still settles against the pseudonymised user

    again = login(stack, name, inviter["user"]["referral_code"], sub=sub, picture=picture)
    assert again["created"] is True
    assert again["user"]["id"] != uid
    wallet = again["user"]["wallet"]
    assert (wallet["free_points"], wallet["stars"], wallet["coins"]) == (0, 0, 0)
    history = httpx.get(readings_url(stack), headers=bearer(again)).json()
    assert history["items"] == []
    invited = httpx.get(f"{stack.url}/functions/credits/referral", headers=bearer(inviter)).json()
    assert invited["invited_count"] == 1  # the first attribution only
    assert sql.execute("select * from public.ledger_mismatches()").fetchall() == []
    assert json.dumps(
        sql.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
    ) == json.dumps({"stars": 1})


def test_export_lists_share_links_and_admin_actions_and_is_limited_in_redis_first(
    stack: LocalStack, env: Callable[..., None]
) -> None:
    session = login(stack, "Nid")
    reading = submitted(stack, session, unique_question())
    wait_final(stack, session, reading)
    made = httpx.post(readings_url(stack, f"/{reading}/share"), headers=bearer(session), json={})
    admin = new_admin(stack)
    assert adjust(stack, admin, session["user"]["id"], delta=3).status_code == 200
    env(EXPORTS_PER_HOUR="1")  # SQL allows 3 an hour: this is Redis answering
    got = httpx.get(profile_url(stack, "/export"), headers=bearer(session))
    assert got.status_code == 200, got.text
    [link] = got.json()["share_links"]
    assert (
        link["token_hash_prefix"] == hashlib.sha256(made.json()["token"].encode()).hexdigest()[:8]
    )
    assert [(a["action"], a["reason"]) for a in got.json()["admin_actions"]] == [
        ("adjust_credits", "support chat #1234")
    ]
    assert admin["user"]["id"] not in got.text
    again = httpx.get(profile_url(stack, "/export"), headers=bearer(session))
    assert problem_code(again) == (429, "rate_limited")
    assert int(again.headers["retry-after"]) > 0


def test_after_deletion_the_admin_audit_shows_no_question_of_the_user(
    stack: LocalStack, sql: Any
) -> None:
    admin, session = new_admin(stack), login(stack, "Mai")
    reading = dead_lettered(stack, sql, session)
    question = sql.execute("select question from public.readings where id = %s", (reading,))
    question = question.fetchone()["question"]
    assert call(stack, admin, "POST", f"/readings/{reading}/refund", json=WHY).status_code == 200
    assert httpx.delete(profile_url(stack), headers=bearer(session)).status_code == 204
    trail = call(stack, admin, "GET", "/audit", params={"user_id": session["user"]["id"]})
    assert trail.status_code == 200
    assert [e["action"] for e in trail.json()] == ["refund_reading"]
    assert question not in trail.text
