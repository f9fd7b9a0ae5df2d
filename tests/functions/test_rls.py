"""Row Level Security through the gateway: a user's token never shows another user's rows, in any table."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login

# every table with user data, and the column naming the user a row belongs to
OWNER = {
    "users": "id",
    "wallets": "user_id",
    "ledger": "user_id",
    "readings": "user_id",
    "reading_reviews": "user_id",
    "payments": "user_id",
    "referrals": "invitee_id",
}
NOT_READABLE = {
    "referrals"
}  # no select grant at all: users learn their referrals through referral_summary()
RESULT = {
    "header": "h",
    "cards": [],
    "reading": "r",
    "suggestions": [],
    "next_questions": [],
    "final": "f",
    "end": "e",
    "notice": "n",
}


def rest(stack: LocalStack, session: dict[str, Any] | None) -> dict[str, str]:
    return {**(bearer(session) if session else {}), "apikey": stack.secrets["anon_key"]}


def rpc(stack: LocalStack, session: dict[str, Any], fn: str, args: dict[str, Any]) -> Any:
    response = httpx.post(f"{stack.url}/rest/v1/rpc/{fn}", headers=rest(stack, session), json=args)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def alice(stack: LocalStack, sql: Any) -> dict[str, Any]:
    """A user with a row in every table: invited, a completed and reviewed reading, a pending payment."""
    inviter = login(stack, name="Inviter")
    session = login(stack, name="Alice", ref=inviter["user"]["referral_code"])
    reading = rpc(
        stack, session, "submit_reading", {"p_question": "Will my garden grow this year?"}
    )
    sql.execute("select public.claim_reading(%s)", (reading["id"],))
    sql.execute(
        "select public.complete_reading(%s, %s::jsonb, '{}')",
        (reading["id"], json.dumps(RESULT)),
    )
    rpc(stack, session, "review_reading", {"p_id": reading["id"], "p_accuracy": 90})
    rpc(
        stack,
        session,
        "record_payment_intent",
        {"p_payment_intent_id": "pi_rls_alice", "p_package_id": "stars_10"},
    )
    return session


@pytest.mark.parametrize("table", list(OWNER))
def test_another_users_rows_are_invisible_through_the_gateway(
    stack: LocalStack, alice: dict[str, Any], table: str
) -> None:
    bob, column, alice_id = login(stack, name="Bob"), OWNER[table], alice["user"]["id"]
    url = f"{stack.url}/rest/v1/{table}?select={column}"
    filtered = httpx.get(f"{url}&{column}=eq.{alice_id}", headers=rest(stack, bob))
    everything = httpx.get(url, headers=rest(stack, bob))
    seen = [row for r in (filtered, everything) if r.status_code == 200 for row in r.json()]
    assert alice_id not in {row[column] for row in seen}
    if table in NOT_READABLE:
        assert (filtered.status_code, everything.status_code) == (403, 403)
    else:
        own = httpx.get(f"{url}&{column}=eq.{alice_id}", headers=rest(stack, alice)).json()
        assert (filtered.status_code, filtered.json(), len(own) > 0) == (200, [], True)


@pytest.mark.parametrize("table", ["app_settings", "cards", "packages"])
def test_anyone_can_read_the_reference_tables(stack: LocalStack, table: str) -> None:
    user = login(stack)
    for session in (None, user):
        response = httpx.get(
            f"{stack.url}/rest/v1/{table}?select=*&limit=1", headers=rest(stack, session)
        )
        assert (response.status_code, len(response.json())) == (200, 1), session is None
