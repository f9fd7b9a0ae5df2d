"""The stack's gateway behaves like Supabase where that decides security: apikey, aud, read-only STABLE, timeouts."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from postgrest import APIError, SyncPostgrestClient

from mimi_local.line import issue_id_token
from mimi_local.stack import LocalStack

FIXTURES_SQL = """
create sequence public.test_parity_seq;
create function public.test_parity_stable_next() returns bigint language sql stable
  as $$ select nextval('public.test_parity_seq') $$;
create function public.test_parity_volatile_next() returns bigint language sql volatile
  as $$ select nextval('public.test_parity_seq') $$;
create function public.test_parity_timeout() returns text language sql stable
  as $$ select current_setting('statement_timeout') $$;
create function public.test_parity_sleep(p_s float) returns int language sql volatile
  as $$ select 1 from pg_sleep(p_s) $$;
create function public.test_parity_role() returns text language sql stable
  as $$ select current_user::text $$;
grant usage on sequence public.test_parity_seq to anon, authenticated;
grant execute on function public.test_parity_stable_next(), public.test_parity_volatile_next(),
  public.test_parity_timeout(), public.test_parity_sleep(float), public.test_parity_role()
  to anon, authenticated, service_role;
"""
DROP_SQL = """
drop function if exists public.test_parity_stable_next(), public.test_parity_volatile_next(),
  public.test_parity_timeout(), public.test_parity_sleep(float), public.test_parity_role();
drop sequence if exists public.test_parity_seq;
"""


@pytest.fixture(scope="module")
def parity(stack: LocalStack) -> Iterator[None]:
    with psycopg.connect(stack.pg.dsn(), autocommit=True) as conn:
        conn.execute(DROP_SQL)
        conn.execute(FIXTURES_SQL)
        yield
        conn.execute(DROP_SQL)


def rest(
    stack: LocalStack, token: str | None = None, apikey: str | None = None
) -> SyncPostgrestClient:
    """The real postgrest client as a function uses it: apikey plus, for a user, their bearer token."""
    headers = {"apikey": apikey if apikey is not None else stack.secrets["anon_key"]}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return SyncPostgrestClient(f"{stack.url}/rest/v1", headers=headers)


def user_token(stack: LocalStack) -> tuple[str, str]:
    """(access token, user id) of a fresh user logged in through the auth function."""
    body = {
        "id_token": issue_id_token(
            stack.secrets["line_keys"][0], stack.channel_id, "U" + secrets.token_hex(16), "Parity"
        )
    }
    session = httpx.post(f"{stack.url}/functions/auth/line", json=body).json()
    return session["access_token"], session["user"]["id"]


def app_signed(stack: LocalStack, **claims: Any) -> str:
    """A token signed with the app's key, with the given claims."""
    key = stack.secrets["app_jwt_keys"][0]
    now = int(time.time())
    return jwt.encode(
        {"iss": "https://api.mimivibes.app", "iat": now, "exp": now + 600, **claims},
        jwt.PyJWK(key).key,
        algorithm="ES256",
        headers={"kid": key["kid"]},
    )


def error_of(call: Any) -> APIError:
    with pytest.raises(APIError) as err:
        call()
    return err.value


def test_no_request_reaches_postgres_without_a_project_api_key(stack: LocalStack) -> None:
    token, _ = user_token(stack)
    url = f"{stack.url}/rest/v1/wallets?select=stars"
    missing = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 401
    assert missing.json()["message"] == "No API key found in request"
    for wrong in ("nope", token, stack.secrets["jwt_secret"]):  # a user token is not an API key
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}", "apikey": wrong})
        assert response.status_code == 401
        assert response.json()["message"] == "Invalid API key"
    assert (
        httpx.get(
            url, headers={"Authorization": f"Bearer {token}", "apikey": stack.secrets["anon_key"]}
        ).status_code
        == 200
    )


def test_a_token_for_another_audience_is_refused(stack: LocalStack) -> None:
    _, user_id = user_token(stack)
    for aud in ("anon", ["anon", "other"], "service_role"):
        forged = app_signed(stack, sub=user_id, role="authenticated", aud=aud)
        err = error_of(lambda t=forged: rest(stack, t).table("wallets").select("stars").execute())
        assert err.code == "PGRST303", aud
        assert "audience" in (err.message or ""), aud
    good = app_signed(stack, sub=user_id, role="authenticated", aud="authenticated")
    assert rest(stack, good).table("wallets").select("stars").execute().data == [{"stars": 0}]


def test_stable_functions_run_read_only_on_post_too(stack: LocalStack, parity: None) -> None:
    token, _ = user_token(stack)
    err = error_of(lambda: rest(stack, token).rpc("test_parity_stable_next", {}).execute())
    assert err.code == "25006"  # cannot execute nextval() in a read-only transaction
    assert rest(stack, token).rpc("test_parity_volatile_next", {}).execute().data >= 1
    assert (
        httpx.get(
            f"{stack.url}/rest/v1/rpc/test_parity_volatile_next",
            headers={"apikey": stack.secrets["anon_key"]},
        ).status_code
        == 405
    )  # GET: read-only


def test_each_role_runs_under_its_statement_timeout(stack: LocalStack, parity: None) -> None:
    token, _ = user_token(stack)
    assert rest(stack).rpc("test_parity_timeout", {}).execute().data == "3s"
    assert rest(stack, token).rpc("test_parity_timeout", {}).execute().data == "8s"
    service = rest(stack, apikey=stack.secrets["service_role_key"])
    assert service.rpc("test_parity_timeout", {}).execute().data == "25s"  # 0037, on purpose
    started = time.monotonic()
    err = error_of(lambda: rest(stack).rpc("test_parity_sleep", {"p_s": 3.5}).execute())
    assert err.code == "57014"
    assert time.monotonic() - started < 3.4  # canceled at anon's 3 s


# --- Supabase's publishable and secret API keys: the `apikey` header alone names the role ----------------


def test_a_secret_key_in_apikey_alone_runs_as_the_service_role(stack: LocalStack) -> None:
    assert stack.secrets["service_role_key"].startswith("sb_secret_")
    role = rest(stack, apikey=stack.secrets["service_role_key"]).rpc("test_parity_role", {})
    assert role.execute().data == "service_role"


def test_a_publishable_key_in_apikey_alone_runs_as_anon(stack: LocalStack, parity: None) -> None:
    assert stack.secrets["anon_key"].startswith("sb_publishable_")
    assert rest(stack).rpc("test_parity_role", {}).execute().data == "anon"


@pytest.mark.parametrize("key", ["service_role_key", "anon_key"])
def test_an_api_key_sent_as_its_own_bearer_is_refused_as_not_a_jwt(
    stack: LocalStack, parity: None, key: str
) -> None:
    apikey = stack.secrets[key]
    err = error_of(lambda: rest(stack, apikey, apikey).rpc("test_parity_role", {}).execute())
    assert err.code == "PGRST301"
    assert "Expected 3 parts in JWT" in (err.message or "")


def test_an_api_key_as_a_bearer_beside_another_apikey_is_refused_by_the_gateway(
    stack: LocalStack, parity: None
) -> None:
    response = httpx.post(
        f"{stack.url}/rest/v1/rpc/test_parity_role",
        headers={
            "apikey": stack.secrets["anon_key"],
            "Authorization": f"Bearer {stack.secrets['service_role_key']}",
        },
        json={},
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid Authorization header"


def test_a_secret_key_from_a_browser_is_refused(stack: LocalStack, parity: None) -> None:
    response = httpx.post(
        f"{stack.url}/rest/v1/rpc/test_parity_role",
        headers={
            "apikey": stack.secrets["service_role_key"],
            "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36",
        },
        json={},
    )
    assert response.status_code == 401
