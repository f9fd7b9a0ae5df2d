"""Property: no body, header or path makes any route answer 5xx, and a 4xx writes nothing.

Every route is called through its function's real handler(event, context), with a logged-in user that has no
credit (so a valid question or exchange is refused, not spent) and, for QStash and Stripe, correctly signed
bodies as well as unsigned ones, so fuzzed input reaches the parsing behind the signature check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimi.config import get_settings
from mimi.pagination import encode_cursor
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.invoke_support import invoke
from tests.functions.readings_support import qstash_signature

EXAMPLES = 25

# (function, method, path, fields a body of that route may carry)
ROUTES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("health", "GET", "/", ()),
    ("auth", "POST", "/line", ("id_token", "ref")),
    ("auth", "POST", "/refresh", ("refresh_token",)),
    ("auth", "POST", "/logout", ("refresh_token",)),
    ("profile", "GET", "/", ()),
    ("profile", "PATCH", "/", ("display_name", "language")),
    ("profile", "GET", "/transactions", ()),
    ("credits", "POST", "/exchange", ("stars",)),
    ("credits", "POST", "/daily", ()),
    ("credits", "GET", "/referral", ()),
    ("readings", "POST", "/", ("question", "depth", "language")),
    ("readings", "GET", "/", ()),
    ("readings", "GET", "/{id}", ()),
    ("readings", "DELETE", "/{id}", ()),
    ("readings", "POST", "/{id}/review", ("accuracy", "comment")),
    ("reading_processor", "POST", "/", ("reading_id",)),
    ("reading_processor", "POST", "/failed", ("sourceBody", "status", "retried")),
    ("payments", "GET", "/packages", ()),
    ("payments", "POST", "/intents", ("package_id",)),
    ("payments", "GET", "/", ()),
    ("stripe_webhook", "POST", "/", ("id", "object", "type", "created", "data")),
]

# Text leans towards what broke things before: NUL, zero-width and bidi characters, Thai and superscript digits.
tricky = st.sampled_from(
    list("\x00\u200b\u200d\ufeff\u202e\u0e51\u0e52\u00b2\u00b3\u0e01\u0e48\u00e9 9")
)
text = st.text(
    st.one_of(st.characters(codec="utf-8", exclude_categories=["Cs"]), tricky), max_size=30
)
numbers = st.one_of(
    st.integers(), st.integers(min_value=2**31 - 2, max_value=2**64), st.floats(allow_nan=False)
)
scalars = st.none() | st.booleans() | numbers | text
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
plausible = st.sampled_from(
    [
        "",
        "th",
        "en",
        "deep",
        "standard",
        "stars_25",
        "event",
        "charge.refunded",
        "payment_intent.succeeded",
        "00000000-0000-0000-0000-000000000000",
        "ความรักของฉันจะเป็นอย่างไร",
        "\u200b" * 12,
        "x" * 30,
        "evt_1",
        "pi_1",
    ]
)
# Mostly well-formed Stripe objects, so odd values get past the narrow models to what stores them.
stripe_objects = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["pi_fuzz", "ch_fuzz", "dp_fuzz"]),
        "object": st.sampled_from(["charge", "dispute"]),
        "amount": numbers | st.just(19900),
        "amount_refunded": numbers,
        "currency": text | st.just("thb"),
        "status": text | st.just("lost"),
    },
    optional={"payment_intent": text | st.just("pi_fuzz"), "charge": text, "metadata": json_values},
)
stripe_events = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"evt_fuzz[A-Za-z0-9]{1,12}", fullmatch=True),
        "object": st.just("event"),
        "type": st.sampled_from(
            [
                "payment_intent.succeeded",
                "payment_intent.payment_failed",
                "charge.refunded",
                "charge.dispute.created",
                "charge.dispute.closed",
                "customer.created",
            ]
        ),
        "created": st.integers(min_value=0, max_value=2**40),
        "data": st.fixed_dictionaries({"object": stripe_objects}),
    }
)
failure_callbacks = st.fixed_dictionaries(
    {"sourceBody": text | st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode())},
    optional={"status": numbers, "retried": numbers},
)
ROUTE_BODIES = {
    ("stripe_webhook", "/"): stripe_events,
    ("reading_processor", "/failed"): failure_callbacks,
}


def bodies(function: str, path: str, fields: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Raw bytes, any JSON, and objects shaped like the route's own body with odd values."""
    shaped = ROUTE_BODIES.get((function, path))
    if shaped is None:
        shaped = st.fixed_dictionaries(
            {}, optional={f: json_values | plausible | numbers for f in fields}
        )
    return st.one_of(
        st.binary(max_size=64),
        json_values.map(lambda v: json.dumps(v).encode()),
        shaped.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
        shaped.map(lambda v: json.dumps(v).encode()),
    )


paths = st.one_of(
    st.just("00000000-0000-0000-0000-000000000000"),
    text.map(lambda t: t.replace("/", "")),
    st.sampled_from(["..", "%00", "%ff", "%e0%b8", "a" * 300]),
)
digits = st.sampled_from(
    ["\u0e51\u0e52\u0e53", "\u00b2\u00b3", "\u0661", "-1", "1e3", str(2**63), "0"]
)
cursors = st.one_of(
    text,
    text.map(encode_cursor),
    digits.map(encode_cursor),
    st.integers(min_value=0, max_value=2**70).map(encode_cursor),
)
queries = st.fixed_dictionaries(
    {}, optional={"cursor": cursors, "limit": text | numbers.map(str), "x": text}
)
paged_queries = st.fixed_dictionaries(
    {"cursor": cursors}, optional={"limit": text | numbers.map(str)}
)
PAGED = {("profile", "/transactions"), ("payments", "/"), ("readings", "/")}
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)
extra_headers = st.dictionaries(
    st.sampled_from(
        ["content-type", "idempotency-key", "x-request-id", "accept", "origin", "range"]
    ),
    header_values
    | st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    max_size=3,
)
auth_modes = st.sampled_from(["user", "user", "user", "none", "garbage"])


def _stripe_signature(body: bytes, secret: str) -> str:
    """Stripe's v1 scheme over the raw bytes, whatever they are."""
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def _signature(stack: LocalStack, function: str, path: str, body: bytes) -> dict[str, str]:
    if function == "stripe_webhook":
        return {"stripe-signature": _stripe_signature(body, stack.secrets["stripe_webhook_secret"])}
    if function == "reading_processor":
        url = get_settings().reading_processor_url + path.lstrip("/")
        return {
            "upstash-signature": qstash_signature(
                stack.secrets["qstash_current_signing_key"], url, body
            )
        }
    return {}


COUNTS = """
select (select count(*) from public.ledger where user_id = %(u)s) as ledger,
       (select count(*) from public.readings where user_id = %(u)s) as readings,
       (select count(*) from public.payments where user_id = %(u)s) as payments,
       (select count(*) from private.stripe_events) as stripe_events,
       (select count(*) from private.refresh_tokens) as refresh_tokens,
       (select count(*) from public.users) as users
"""


@pytest.fixture(scope="module")
def broke_user(stack: LocalStack, sql: Any) -> Iterator[dict[str, Any]]:
    """A logged-in user with no credit at all (the welcome bonus is 0 while it logs in)."""
    sql.execute("update public.app_settings set value = 0 where key = 'welcome_free_points'")
    try:
        session = login(stack, name="Fuzz")
    finally:
        sql.execute("update public.app_settings set value = 3 where key = 'welcome_free_points'")
    yield session


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r[0]}:{r[1]}:{r[2]}" for r in ROUTES])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_gives_5xx_and_a_4xx_writes_nothing(
    stack: LocalStack,
    sql: Any,
    broke_user: dict[str, Any],
    route: tuple[str, str, str, tuple[str, ...]],
    data: st.DataObject,
) -> None:
    function, method, path, fields = route
    if "{id}" in path:
        path = path.replace("{id}", data.draw(paths, label="id"))
    body = (
        data.draw(bodies(function, path, fields), label="body")
        if method in ("POST", "PATCH")
        else b""
    )
    headers = dict(data.draw(extra_headers, label="headers"))
    mode = data.draw(auth_modes, label="auth")
    if mode == "user":
        headers.update(bearer(broke_user))
    elif mode == "garbage":
        headers["authorization"] = data.draw(header_values, label="authorization")
    if data.draw(st.sampled_from([True, True, True, False]), label="signed"):
        headers.update(_signature(stack, function, path, body))
    query = urlencode(
        data.draw(
            paged_queries if (function, path) in PAGED and method == "GET" else queries,
            label="query",
        )
    )
    before = sql.execute(COUNTS, {"u": broke_user["user"]["id"]}).fetchone()
    status, answer, _ = invoke(function, method, path, query=query, headers=headers, body=body)
    assert status < 500, answer
    if 400 <= status < 500:
        assert answer.get("code"), answer
        assert sql.execute(COUNTS, {"u": broke_user["user"]["id"]}).fetchone() == before
