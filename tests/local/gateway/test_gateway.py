"""The local PostgREST gateway, driven by the real supabase-py client against the test Postgres."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from postgrest.exceptions import APIError
from postgrest.types import CountMethod
from starlette.applications import Starlette
from starlette.routing import Mount
from supabase import Client, create_client

from mimi_local.gateway import GatewayConfig, build_app
from mimi_local.gateway.auth import check_claims
from mimi_local.gateway.errors import GatewayError
from mimi_local.pg import PgCluster, free_port
from mimi_local.serve import serving

SECRET = "gw-test-secret-with-at-least-32-characters!"
KID = "gw-es-1"
USER_A = str(uuid.uuid4())
USER_B = str(uuid.uuid4())

SCHEMA_SQL = """
create table public.gw_notes (
  id bigint generated always as identity primary key,
  user_id uuid not null,
  body text not null unique,
  stars int
);
comment on table public.gw_notes is 'Gateway test notes.';
alter table public.gw_notes enable row level security;
create policy "Users can read their own notes" on public.gw_notes
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Users can add their own notes" on public.gw_notes
  for insert to authenticated with check ((select auth.uid()) = user_id);

create function public.gw_add_note(p_body text) returns public.gw_notes language sql
set search_path = '' as $$
  insert into public.gw_notes (user_id, body) values (auth.uid(), p_body) returning *
$$;
create function public.gw_add(a int, b int default 10) returns int language sql immutable as $$
  select a + b
$$;
create function public.gw_series(n int) returns setof int language sql immutable as $$
  select generate_series(1, n)
$$;
create function public.gw_my_notes() returns setof public.gw_notes language sql stable
set search_path = '' as $$
  select * from public.gw_notes order by id
$$;
create function public.gw_stars_of(p_user uuid) returns table (body text, stars int) language sql stable
set search_path = '' as $$
  select n.body, n.stars from public.gw_notes n where n.user_id = p_user order by n.id
$$;
create function public.gw_fail(reason text) returns void language plpgsql as $$
begin
  raise exception '%', reason using detail = 'gw detail', hint = 'gw hint';
end
$$;
create function public.gw_pay() returns void language plpgsql as $$
begin
  raise sqlstate 'PT402' using message = 'Payment Required', detail = 'Quota exceeded';
end
$$;
create function public.gw_touch() returns void language plpgsql as $$ begin perform 1; end $$;
create function public.gw_whoami() returns jsonb language sql stable as $$
  select jsonb_build_object('db_role', current_user, 'sub', auth.uid(), 'role', auth.role(),
                            'method', current_setting('request.method', true),
                            'path', current_setting('request.path', true))
$$;
create function public.gw_write() returns int language plpgsql as $$
begin
  insert into public.gw_notes (user_id, body) values (auth.uid(), 'written-' || gen_random_uuid());
  return 1;
end
$$;
-- what Supabase's default privileges would give these objects (the app's migrations close those defaults)
grant all on table public.gw_notes to anon, authenticated, service_role;
grant execute on function public.gw_add_note(text), public.gw_add(int, int), public.gw_series(int),
  public.gw_my_notes(), public.gw_stars_of(uuid), public.gw_fail(text), public.gw_pay(), public.gw_touch(),
  public.gw_whoami(), public.gw_write() to anon, authenticated, service_role;
create function public.gw_service_only() returns int language sql as $$ select 1 $$;
revoke execute on function public.gw_service_only() from public, anon, authenticated;
grant execute on function public.gw_service_only() to service_role;
"""

DROP_SQL = """
drop function if exists public.gw_add(int, int), public.gw_series(int), public.gw_stars_of(uuid),
  public.gw_fail(text), public.gw_pay(), public.gw_touch(), public.gw_whoami(), public.gw_write(),
  public.gw_service_only();
drop table if exists public.gw_notes cascade;
"""


@dataclass(frozen=True)
class Keys:
    """The ES256 signing key and its public JWK."""

    private: ec.EllipticCurvePrivateKey
    public_jwk: dict[str, Any]


def hs_token(
    claims: dict[str, Any], secret: str = SECRET, headers: dict[str, Any] | None = None
) -> str:
    """An HS256 token valid for an hour unless claims say otherwise."""
    return jwt.encode(
        {"exp": int(time.time()) + 3600, **claims}, secret, algorithm="HS256", headers=headers
    )


def es_token(keys: Keys, claims: dict[str, Any], kid: str = KID) -> str:
    """An ES256 token, as Supabase Auth issues for a signed-in user."""
    return jwt.encode(
        {"exp": int(time.time()) + 3600, **claims},
        keys.private,
        algorithm="ES256",
        headers={"kid": kid},
    )


def user_token(keys: Keys, user_id: str, **extra: Any) -> str:
    """An authenticated user's access token."""
    return es_token(
        keys, {"sub": user_id, "role": "authenticated", "aud": "authenticated", **extra}
    )


def unsigned_token(claims: dict[str, Any]) -> str:
    """An `alg: none` token."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


ANON_KEY = hs_token({"role": "anon", "iss": "supabase", "exp": 4102444800})
SERVICE_KEY = hs_token({"role": "service_role", "iss": "supabase", "exp": 4102444800})


@pytest.fixture(scope="module")
def keys() -> Keys:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return Keys(private, {**jwk, "kid": KID, "alg": "ES256", "use": "sig"})


@pytest.fixture(scope="module")
def notes(pg: PgCluster) -> Iterator[None]:
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute(DROP_SQL)
        conn.execute(SCHEMA_SQL)
        conn.execute(
            "insert into public.gw_notes (user_id, body, stars) values (%s, 'a-first', 3), "
            "(%s, 'a-second', null), (%s, 'b-only', 5)",
            (USER_A, USER_A, USER_B),
        )
    yield
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute(DROP_SQL)


@pytest.fixture(scope="module")
def url(pg: PgCluster, notes: None, keys: Keys) -> Iterator[str]:
    config = GatewayConfig(
        dsn=f"postgresql://authenticator:authenticator@127.0.0.1:{pg.port}/postgres",
        jwt_secret=SECRET,
        api_keys=frozenset({ANON_KEY, SERVICE_KEY}),
        jwks=[keys.public_jwk],
    )
    gateway = build_app(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with gateway.router.lifespan_context(gateway):
            yield

    host = Starlette(routes=[Mount("/rest/v1", app=gateway)], lifespan=lifespan)
    with serving(host, free_port()) as server:
        yield server.url


def client(url: str, token: str | None = None, key: str = ANON_KEY) -> Client:
    """A real supabase-py client; with a token it acts as that user, as the app's functions do."""
    sb = create_client(url, key)
    if token is not None:
        sb.postgrest.auth(token)
    return sb


def raw(
    url: str, method: str, path: str, token: str | None = None, **kwargs: Any
) -> httpx.Response:
    """A bare HTTP call, for status codes and headers the client hides."""
    headers = {
        "apikey": ANON_KEY,
        **({"Authorization": f"Bearer {token}"} if token else {}),
        **kwargs.pop("headers", {}),
    }
    return httpx.request(method, f"{url}/rest/v1{path}", headers=headers, timeout=10, **kwargs)


def bodies(data: Any) -> list[Any]:
    """The `body` of each row in a response."""
    return [cast(dict[str, Any], row)["body"] for row in data]


def api_error(call: Any) -> APIError:
    """The APIError a client call raises."""
    with pytest.raises(APIError) as info:
        call()
    return info.value


# --- Row Level Security through the gateway -------------------------------------------------------------


def test_user_sees_only_their_own_rows(url: str, keys: Keys) -> None:
    sb = client(url, user_token(keys, USER_A))
    rows = sb.table("gw_notes").select("body, user_id").order("id").execute()
    assert rows.data == [
        {"body": "a-first", "user_id": USER_A},
        {"body": "a-second", "user_id": USER_A},
    ]


def test_anon_key_sees_no_rows(url: str) -> None:
    assert client(url).table("gw_notes").select("*").execute().data == []


def test_service_role_sees_every_row(url: str) -> None:
    rows = client(url, key=SERVICE_KEY).table("gw_notes").select("body").order("id").execute()
    assert bodies(rows.data) == ["a-first", "a-second", "b-only"]


def test_rpc_runs_as_the_user_with_their_claims(url: str, keys: Keys) -> None:
    who = client(url, user_token(keys, USER_B)).rpc("gw_whoami", {}).execute().data
    assert who == {
        "db_role": "authenticated",
        "sub": USER_B,
        "role": "authenticated",
        "method": "POST",
        "path": "/rpc/gw_whoami",
    }


def test_security_invoker_rpc_is_filtered_by_rls(url: str, keys: Keys) -> None:
    rows = client(url, user_token(keys, USER_B)).rpc("gw_my_notes", {}).execute().data
    assert bodies(rows) == ["b-only"]


# --- Authentication failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_token", "code", "message"),
    [
        (lambda k: user_token(k, USER_A, exp=int(time.time()) - 120), "PGRST303", "JWT expired"),
        (
            lambda k: user_token(k, USER_A, nbf=int(time.time()) + 600),
            "PGRST303",
            "JWT not yet valid",
        ),
        (
            lambda k: hs_token(
                {"role": "service_role"}, secret="another-secret-of-32-characters-or-more"
            ),
            "PGRST301",
            "JWT cryptographic operation failed",
        ),
        (
            lambda k: es_token(k, {"role": "authenticated"}, kid="unknown-kid"),
            "PGRST301",
            "No suitable key or wrong key type",
        ),
        (
            lambda k: hs_token({"role": "service_role"}, headers={"kid": KID}),
            "PGRST301",
            "No suitable key or wrong key type",
        ),
        (
            lambda k: es_token(
                Keys(ec.generate_private_key(ec.SECP256R1()), {}), {"role": "authenticated"}
            ),
            "PGRST301",
            "JWT cryptographic operation failed",
        ),
        (
            lambda k: unsigned_token({"role": "service_role"}),
            "PGRST301",
            "Wrong or unsupported encoding algorithm",
        ),
        (lambda k: "not-a-jwt", "PGRST301", "Expected 3 parts in JWT; got 1"),
    ],
)
def test_bad_tokens_are_refused_with_401(
    url: str, keys: Keys, make_token: Any, code: str, message: str
) -> None:
    token = make_token(keys)
    err = api_error(client(url, token).table("gw_notes").select("*").execute)
    assert (err.code, err.message) == (code, message)
    response = raw(url, "GET", "/gw_notes", token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_role_outside_the_api_roles_is_refused(url: str) -> None:
    existing = raw(url, "GET", "/gw_notes", hs_token({"role": "postgres"}))
    missing = raw(url, "GET", "/gw_notes", hs_token({"role": "no_such_role"}))
    assert (existing.status_code, existing.json()["code"]) == (403, "42501")
    assert (missing.status_code, missing.json()["code"]) == (401, "22023")


def test_missing_execute_grant_is_401_for_anon_and_403_for_a_user(url: str, keys: Keys) -> None:
    assert raw(url, "POST", "/rpc/gw_service_only", json={}).status_code == 401
    assert (
        raw(url, "POST", "/rpc/gw_service_only", user_token(keys, USER_A), json={}).status_code
        == 403
    )
    assert client(url, key=SERVICE_KEY).rpc("gw_service_only", {}).execute().data == 1


def test_claims_checks_follow_postgrest() -> None:
    now = time.time()
    check_claims(
        {"aud": "authenticated", "exp": now - 10}, now, "authenticated"
    )  # within the 30 s skew
    check_claims(
        {"exp": now + 60}, now, "authenticated"
    )  # no aud claim: accepted, as PostgREST does
    cases: list[tuple[dict[str, Any], str]] = [
        ({"aud": "other"}, "JWT not in audience"),
        ({"aud": 5}, "The JWT 'aud' claim must be a string or an array of strings"),
        ({"exp": "soon"}, "The JWT 'exp' claim must be a number"),
        ({"iat": now + 600}, "JWT issued at future"),
    ]
    for claims, message in cases:
        with pytest.raises(GatewayError) as info:
            check_claims(claims, now, "authenticated")
        assert (info.value.status, info.value.message) == (401, message)


# --- RPC ------------------------------------------------------------------------------------------------


def test_scalar_rpc_returns_the_bare_value_and_uses_defaults(url: str) -> None:
    sb = client(url)
    assert sb.rpc("gw_add", {"a": 2, "b": 3}).execute().data == 5
    assert sb.rpc("gw_add", {"a": 2}).execute().data == 12
    assert sb.rpc("gw_add", {"a": "7"}, get=True).execute().data == 17


def test_set_returning_rpc_returns_an_array(url: str) -> None:
    assert client(url).rpc("gw_series", {"n": 3}).execute().data == [1, 2, 3]


def test_table_returning_rpc_accepts_filters_and_order(url: str) -> None:
    rows = (
        client(url, key=SERVICE_KEY)
        .rpc("gw_stars_of", {"p_user": USER_A})
        .order("body", desc=True)
        .execute()
        .data
    )
    assert rows == [{"body": "a-second", "stars": None}, {"body": "a-first", "stars": 3}]
    rows = (
        client(url, key=SERVICE_KEY)
        .rpc("gw_stars_of", {"p_user": USER_A})
        .gt("stars", 1)
        .execute()
        .data
    )
    assert rows == [{"body": "a-first", "stars": 3}]


def test_void_rpc_answers_204(url: str) -> None:
    response = raw(url, "POST", "/rpc/gw_touch", json={})
    assert (response.status_code, response.content) == (204, b"")
    assert client(url).rpc("gw_touch", {}).execute().data == []


def test_raise_exception_is_400_with_message_detail_and_hint(url: str) -> None:
    err = api_error(client(url).rpc("gw_fail", {"reason": "no stars left"}).execute)
    assert err.json() == {
        "code": "P0001",
        "message": "no stars left",
        "details": "gw detail",
        "hint": "gw hint",
    }
    assert raw(url, "POST", "/rpc/gw_fail", json={"reason": "x"}).status_code == 400


def test_raise_ptxyz_sets_the_http_status(url: str) -> None:
    response = raw(url, "POST", "/rpc/gw_pay", json={})
    assert response.status_code == 402
    assert response.json() == {
        "code": "PT402",
        "message": "Payment Required",
        "details": "Quota exceeded",
        "hint": None,
    }


def test_unique_violation_is_409(url: str, keys: Keys) -> None:
    token = user_token(keys, USER_A)
    err = api_error(client(url, token).rpc("gw_add_note", {"p_body": "a-first"}).execute)
    assert (err.code, err.message) == (
        "23505",
        'duplicate key value violates unique constraint "gw_notes_body_key"',
    )
    assert raw(url, "POST", "/rpc/gw_add_note", token, json={"p_body": "b-only"}).status_code == 409


def test_single_composite_rpc_returns_an_object_and_commits(
    url: str, pg: PgCluster, keys: Keys
) -> None:
    body = f"new-{uuid.uuid4()}"
    try:
        row = (
            client(url, user_token(keys, USER_B))
            .rpc("gw_add_note", {"p_body": body})
            .execute()
            .data
        )
        assert isinstance(row, dict)
        assert (row["body"], row["user_id"]) == (body, USER_B)
    finally:
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            conn.execute("delete from public.gw_notes where body = %s", (body,))


def test_get_rpc_runs_read_only(url: str, keys: Keys) -> None:
    response = raw(url, "GET", "/rpc/gw_write", user_token(keys, USER_A))
    assert (response.status_code, response.json()["code"]) == (405, "25006")


def test_rpc_singular_accept_needs_exactly_one_row(url: str) -> None:
    assert client(url).rpc("gw_series", {"n": 1}).single().execute().data == 1
    err = api_error(client(url).rpc("gw_series", {"n": 2}).single().execute)
    assert (err.code, err.details) == ("PGRST116", "The result contains 2 rows")


def test_unknown_function_is_404_pgrst202(url: str) -> None:
    err = api_error(client(url).rpc("gw_nope", {"x": 1}).execute)
    assert (err.code, err.message) == (
        "PGRST202",
        "Could not find the function public.gw_nope(x) in the schema cache",
    )
    assert api_error(client(url).rpc("gw_add", {"zzz": 1}).execute).code == "PGRST202"


# --- Reads -----------------------------------------------------------------------------------------------


def test_single_returns_one_object_else_406(url: str) -> None:
    sb = client(url, key=SERVICE_KEY)
    one = sb.table("gw_notes").select("body").eq("body", "b-only").single().execute()
    assert one.data == {"body": "b-only"}
    err = api_error(sb.table("gw_notes").select("*").single().execute)
    assert (err.code, err.details) == ("PGRST116", "The result contains 3 rows")
    response = raw(
        url,
        "GET",
        "/gw_notes?body=eq.none",
        SERVICE_KEY,
        headers={"Accept": "application/vnd.pgrst.object+json"},
    )
    assert response.status_code == 406
    assert sb.table("gw_notes").select("*").eq("body", "none").maybe_single().execute() is None


def test_order_limit_offset_and_filters(url: str) -> None:
    notes = client(url, key=SERVICE_KEY).table("gw_notes")
    page = notes.select("body").order("body", desc=True).limit(2).offset(1).execute().data
    assert bodies(page) == ["a-second", "a-first"]
    nulls_first = notes.select("body").order("stars", desc=True, nullsfirst=True).execute()
    assert bodies(nulls_first.data) == ["a-second", "b-only", "a-first"]
    assert notes.select("body").is_("stars", "null").execute().data == [{"body": "a-second"}]
    listed = notes.select("body").in_("body", ["b-only", "a-first", "x,y"]).order("id").execute()
    assert bodies(listed.data) == ["a-first", "b-only"]
    assert notes.select("body").gte("stars", 4).execute().data == [{"body": "b-only"}]
    assert notes.select("body").neq("user_id", USER_A).execute().data == [{"body": "b-only"}]
    small = notes.select("body").not_.is_("stars", "null").lt("stars", 4).execute()
    assert small.data == [{"body": "a-first"}]
    assert notes.select("note:body").eq("user_id", USER_B).execute().data == [{"note": "b-only"}]


def test_count_exact_and_content_range(url: str) -> None:
    notes = client(url, key=SERVICE_KEY).table("gw_notes")
    result = notes.select("id", count=CountMethod.exact).limit(2).execute()
    assert (len(result.data), result.count) == (2, 3)
    response = raw(
        url,
        "GET",
        "/gw_notes?select=id&limit=2&offset=1",
        SERVICE_KEY,
        headers={"Prefer": "count=exact"},
    )
    assert (response.status_code, response.headers["content-range"]) == (206, "1-2/3")
    head = notes.select("*", count=CountMethod.exact, head=True).execute()
    assert (head.data, head.count) == ([], 3)
    plain = raw(url, "GET", "/gw_notes?select=id", SERVICE_KEY)
    assert (plain.status_code, plain.headers["content-range"]) == (200, "0-2/*")
    assert plain.headers["content-type"] == "application/json; charset=utf-8"


def test_unknown_table_and_column(url: str) -> None:
    err = api_error(client(url).table("gw_missing").select("*").execute)
    assert (err.code, err.message) == (
        "PGRST205",
        "Could not find the table 'public.gw_missing' in the schema cache",
    )
    assert api_error(client(url).table("gw_notes").select("nope").execute).code == "42703"


@pytest.mark.parametrize(
    "call",
    [
        lambda sb: sb.table("gw_notes").insert({"body": "x"}).execute(),
        lambda sb: sb.table("gw_notes").update({"body": "x"}).eq("id", 1).execute(),
        lambda sb: sb.table("gw_notes").delete().eq("id", 1).execute(),
        lambda sb: sb.table("gw_notes").select("*, owner:gw_users(*)").execute(),
        lambda sb: sb.table("gw_notes").select("*").like("body", "a%").execute(),
        lambda sb: sb.table("gw_notes").select("*").or_("stars.eq.3,stars.is.null").execute(),
        lambda sb: sb.table("gw_notes").select("*").csv().execute(),
    ],
)
def test_unsupported_features_answer_501(url: str, call: Any) -> None:
    err = api_error(lambda: call(client(url, key=SERVICE_KEY)))
    assert err.code == "PGRST127"
    assert err.message is not None
    assert err.message.startswith("not supported by the local gateway")


def test_unsupported_write_is_501_over_http(url: str) -> None:
    response = raw(url, "POST", "/gw_notes", SERVICE_KEY, json={"body": "x"})
    assert (response.status_code, response.headers["proxy-status"]) == (
        501,
        "PostgREST; error=PGRST127",
    )
