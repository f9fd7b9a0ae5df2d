"""Property-based: no input to an admin route (as an admin, a user or nobody) gives a 5xx, and a 4xx writes nothing;
the reconcile function's body is never trusted (only its signature)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimi.admin.api import router
from mimi_local.stack import LocalStack
from tests.functions.admin_support import new_admin
from tests.functions.conftest import bearer, login
from tests.functions.invoke_support import FUNCTION_URL, invoke
from tests.functions.readings_support import qstash_signature
from tests.functions.test_fuzz import extra_headers, json_values, numbers, paths, plausible, text

FIELDS = (
    "reason",
    "currency",
    "delta",
    "clawback",
    "action",
    "value",
    "title",
    "price_satang",
    "stars",
    "popular",
    "active",
    "sort",
    "price",
    "card_count",
    "name_en",
    "positions_en",
)
QUERY_FIELDS = ("q", "limit", "before", "state", "older_than_s", "user_id")
ROUTES = [(r.method, r.path) for r in router.routes]
COUNTS = """
select (select count(*) from private.admin_audit) as audit, (select count(*) from public.ledger) as ledger,
       (select sum(value) from public.app_settings) as settings, (select count(*) from public.packages) as packages,
       (select string_agg(concat_ws(':', id, price_satang, stars, active), ',') from public.packages) as catalog,
       (select count(*) from public.readings where status = 'queued') as queued,
       (select string_agg(concat_ws(':', id, price, card_count, active, name_en), ',') from public.spreads) as spreads
"""
values = json_values | plausible | numbers
bodies = st.one_of(
    st.binary(max_size=48),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={f: values for f in FIELDS}).map(
        lambda v: json.dumps(v, ensure_ascii=False).encode()
    ),
)
queries = st.fixed_dictionaries(
    {}, optional={f: text | plausible | numbers.map(str) for f in QUERY_FIELDS}
)


@pytest.fixture(scope="module")
def people(stack: LocalStack) -> dict[str, dict[str, Any]]:
    return {"admin": new_admin(stack), "user": login(stack)}


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_admin_input_gives_5xx_and_a_4xx_writes_nothing(
    stack: LocalStack,
    sql: Any,
    people: dict[str, Any],
    method: str,
    template: str,
    data: st.DataObject,
) -> None:
    path = re.sub(
        r"{[a-z_]+}",
        lambda _: data.draw(paths | plausible.map(lambda p: p.replace("/", "")), label="id"),
        template,
    )
    body = data.draw(bodies, label="body") if method in ("POST", "PATCH", "PUT") else b""
    headers = dict(data.draw(extra_headers, label="headers"))
    who = data.draw(st.sampled_from(["admin", "admin", "admin", "user", "none"]), label="who")
    if who != "none":
        headers.update(bearer(people[who]))
    before = sql.execute(COUNTS).fetchone()
    status, answer, _ = invoke(
        "admin",
        method,
        path,
        query=urlencode(data.draw(queries, label="query")),
        headers=headers,
        body=body,
    )
    assert status < 500, answer
    if 400 <= status < 500:
        assert answer.get("code"), answer
        assert sql.execute(COUNTS).fetchone() == before
    # routing (no such path), unreadable JSON and invalid models are answered before anyone is asked who calls
    before_auth = status in (400, 405, 422) or answer.get("code") == "not_found"
    if who == "user" and not before_auth:
        assert (status, answer.get("code")) == (403, "not_admin"), answer


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_a_signed_reconcile_run_ignores_its_body(stack: LocalStack, body: bytes) -> None:
    signature = qstash_signature(
        stack.secrets["qstash_current_signing_key"], FUNCTION_URL + "/", body
    )
    status, answer, _ = invoke(
        "reconcile", "POST", "/", headers={"upstash-signature": signature}, body=body
    )
    try:
        body.decode("utf-8")
    except (
        UnicodeDecodeError
    ):  # QStash signs text: bytes that are not UTF-8 are not from it (as for /sweep)
        assert status == 401, answer
        return
    assert status == 200, answer
    assert answer["payments_mismatched"] >= 0, answer
