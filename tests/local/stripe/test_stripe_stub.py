"""The Stripe stand-in speaks Stripe's protocol: the official client works against it unmodified."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest
import stripe

from mimi_local.stack import LocalStack
from mimi_local.stripe import sign_payload
from mimi_local.stripe.objects import decode_form


def client(stack: LocalStack, key: str | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(
        key or stack.secrets["stripe_secret_key"],
        base_addresses={"api": f"{stack.url}/stripe"},
        max_network_retries=0,
    )


def create(stack: LocalStack, key: str, **params: Any) -> stripe.PaymentIntent:
    body = {
        "amount": 9900,
        "currency": "thb",
        "metadata": {"user_id": "u1", "package_id": "stars_10"},
        "automatic_payment_methods": {"enabled": True},
        **params,
    }
    return client(stack).v1.payment_intents.create(params=body, options={"idempotency_key": key})  # type: ignore[arg-type]


def test_create_and_retrieve_a_payment_intent(stack: LocalStack) -> None:
    intent = create(stack, secrets.token_hex(8))
    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert (intent.amount, intent.currency, intent.status, intent.livemode) == (
        9900,
        "thb",
        "requires_payment_method",
        False,
    )
    assert intent.metadata.to_dict() == {"user_id": "u1", "package_id": "stars_10"}
    again = client(stack).v1.payment_intents.retrieve(intent.id)
    assert again.id == intent.id
    with pytest.raises(stripe.InvalidRequestError) as err:
        client(stack).v1.payment_intents.retrieve("pi_missing")
    assert err.value.code == "resource_missing"


def test_an_idempotency_key_replays_and_refuses_other_params(stack: LocalStack) -> None:
    key = secrets.token_hex(8)
    first, replay = create(stack, key), create(stack, key)
    assert first.id == replay.id
    with pytest.raises(stripe.IdempotencyError):
        create(stack, key, amount=19900)


def test_a_wrong_key_or_a_too_small_amount_is_refused(stack: LocalStack) -> None:
    with pytest.raises(stripe.AuthenticationError):
        client(stack, "sk_test_wrong").v1.payment_intents.retrieve("pi_x")
    with pytest.raises(stripe.InvalidRequestError) as err:
        create(stack, secrets.token_hex(8), amount=50)
    assert err.value.code == "amount_too_small"


def test_dev_actions_refuse_impossible_transitions(stack: LocalStack) -> None:
    intent = create(stack, secrets.token_hex(8))
    base = f"{stack.url}/stripe/dev/payment_intents/{intent.id}"
    assert (
        httpx.post(f"{base}/refund", json={"deliver": False}).status_code == 400
    )  # nothing paid yet
    assert httpx.post(f"{base}/succeed", json={"deliver": False}).status_code == 200
    assert httpx.post(f"{base}/succeed", json={"deliver": False}).status_code == 400
    assert httpx.post(f"{base}/refund", json={"amount": 99999, "deliver": False}).status_code == 400
    refunded = httpx.post(f"{base}/refund", json={"amount": 100, "deliver": False}).json()
    charge = refunded["events"][0]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"], charge["refunds"]["total_count"]) == (
        100,
        False,
        1,
    )
    assert httpx.post(f"{base}/dispute", json={"outcome": "maybe"}).status_code == 400


def test_sent_events_verify_with_stripes_own_check(stack: LocalStack) -> None:
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}})
    header = sign_payload(payload, "whsec_test")
    event = stripe.Webhook.construct_event(payload, header, "whsec_test")
    assert event.id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            payload, sign_payload(payload, "whsec_test", 1), "whsec_test"
        )


def test_form_decoding_nests_brackets() -> None:
    assert decode_form("amount=1&metadata[a]=x&automatic_payment_methods[enabled]=true&l[0]=p") == {
        "amount": "1",
        "metadata": {"a": "x"},
        "automatic_payment_methods": {"enabled": "true"},
        "l": {"0": "p"},
    }


def test_the_list_call_pages_newest_first_within_created_bounds(stack: LocalStack) -> None:
    state = stack.state["stripe"].state
    made = [create(stack, secrets.token_hex(8)) for _ in range(3)]
    old = create(stack, secrets.token_hex(8))
    state.intents[old.id]["created"] -= 4 * 86400
    since = min(state.intents[i.id]["created"] for i in made)
    page = client(stack).v1.payment_intents.list(params={"created": {"gte": since}, "limit": 2})
    assert len(page.data) == 2
    assert page.has_more
    listed = [i.id for i in page.auto_paging_iter()]  # the official client follows starting_after
    assert {i.id for i in made} <= set(listed)
    assert old.id not in listed
    assert listed.index(made[2].id) < listed.index(made[0].id)
    assert len(listed) == len(set(listed))


def test_the_list_call_checks_its_key_and_parameters(stack: LocalStack) -> None:
    with pytest.raises(stripe.AuthenticationError):
        client(stack, "sk_test_wrong").v1.payment_intents.list()
    with pytest.raises(stripe.InvalidRequestError) as err:
        client(stack).v1.payment_intents.list(params={"limit": 500})
    assert err.value.param == "limit"
    with pytest.raises(stripe.InvalidRequestError):
        client(stack).v1.payment_intents.list(params={"starting_after": "pi_missing"})
