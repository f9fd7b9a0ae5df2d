"""Local stand-in for the Stripe API calls this backend makes (PaymentIntents create, retrieve and list), plus dev
actions that pay, fail, refund and dispute.

The official `stripe` client works against it as is (`base_addresses={"api": "<stack>/stripe"}`): form-encoded
bodies, `Authorization: Bearer sk_...`, Idempotency-Key replay (same key + other params: 400 idempotency_error).
Dev actions (`POST /dev/payment_intents/{id}/succeed|fail|refund|dispute`) change state and POST the resulting
events, signed as Stripe signs them, to the webhook URL; they answer with the events and how delivery went.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mimi_local.stripe.objects import StripeApiError, StripeState, decode_form, new_id

__all__ = ["StripeStub", "build_app", "sign_payload"]


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for payload, made with stripe's own helper."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)  # type: ignore[no-any-return]


@dataclass
class StripeStub:
    """The stand-in's API keys, webhook target and state."""

    secret_key: str
    webhook_secret: str
    webhook_url: str
    state: StripeState = field(default_factory=StripeState)
    idempotency: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, f"Bearer {self.secret_key}".encode())

    def replay(self, key: str | None, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
        """The stored answer for a reused Idempotency-Key; 400 when the parameters differ."""
        if key is None or key not in self.idempotency:
            return None
        earlier, status, body = self.idempotency[key]
        if earlier != fingerprint:
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters "
                f"they were first used with. Try using a key other than '{key}' if you meant "
                "to execute a different request.",
                type_="idempotency_error",
            )
        return status, body

    async def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """POST one event to the webhook, freshly signed, as Stripe does; returns how it went."""
        payload = json.dumps(event, indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign_payload(payload, self.webhook_secret),
        }
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                response = await client.post(
                    self.webhook_url, content=payload.encode(), headers=headers
                )
            result = {
                "event_id": event["id"],
                "type": event["type"],
                "status": response.status_code,
            }
        except httpx.HTTPError as exc:
            result = {
                "event_id": event["id"],
                "type": event["type"],
                "status": None,
                "error": type(exc).__name__,
            }
        self.deliveries.append(result)
        return result


def _stripe_error(exc: StripeApiError) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status, headers={"Request-Id": new_id("req", 14)})


class _Api:
    """The HTTP endpoints over one StripeStub."""

    def __init__(self, stub: StripeStub) -> None:
        self.stub = stub

    async def create_intent(self, request: Request) -> Response:
        """`POST /v1/payment_intents`, with Idempotency-Key replay."""
        if not self.stub.authorized(request):
            return _stripe_error(StripeApiError(401, "Invalid API Key provided."))
        body = (await request.body()).decode()
        key = request.headers.get("idempotency-key")
        params = decode_form(body)
        fingerprint = json.dumps(params, sort_keys=True)
        try:
            earlier = self.stub.replay(key, fingerprint)
            if earlier is not None:
                return JSONResponse(
                    earlier[1], status_code=earlier[0], headers={"Idempotent-Replayed": "true"}
                )
            answer = self.stub.state.create_intent(params)
        except (
            StripeApiError
        ) as exc:  # like Stripe, a request refused by validation is not saved under its key
            return _stripe_error(exc)
        if key is not None:
            self.stub.idempotency[key] = (fingerprint, 200, answer)
        return JSONResponse(answer, headers={"Request-Id": new_id("req", 14)})

    async def list_stripe_intents(self, request: Request) -> Response:
        """`GET /v1/payment_intents?created[gte]=...&limit=...&starting_after=...` (newest first)."""
        if not self.stub.authorized(request):
            return _stripe_error(StripeApiError(401, "Invalid API Key provided."))
        try:
            return JSONResponse(self.stub.state.list_intents(decode_form(request.url.query)))
        except StripeApiError as exc:
            return _stripe_error(exc)

    async def get_intent(self, request: Request) -> Response:
        """`GET /v1/payment_intents/{id}`."""
        if not self.stub.authorized(request):
            return _stripe_error(StripeApiError(401, "Invalid API Key provided."))
        try:
            return JSONResponse(self.stub.state.intent(request.path_params["pi"]))
        except StripeApiError as exc:
            return _stripe_error(exc)

    async def list_intents(self, _: Request) -> Response:
        """`GET /dev/payment_intents`: everything created so far (dev only, no key)."""
        items = list(self.stub.state.intents.values())
        return JSONResponse({"object": "list", "data": items, "total_count": len(items)})

    async def action(self, request: Request) -> Response:
        """`POST /dev/payment_intents/{id}/{action}` {amount?, outcome?, deliver?}: change state, send events."""
        options = await _options(request)
        pi_id, name, state = (
            request.path_params["pi"],
            request.path_params["action"],
            self.stub.state,
        )
        try:
            if name == "succeed":
                events = state.succeed(pi_id)
            elif name == "fail":
                events = state.fail(pi_id)
            elif name == "refund":
                events = state.refund(pi_id, _int_or_none(options.get("amount")))
            else:
                events = state.dispute(pi_id, _outcome(options.get("outcome")))
        except StripeApiError as exc:
            return _stripe_error(exc)
        deliveries = (
            [await self.stub.deliver(e) for e in events] if options.get("deliver", True) else []
        )
        return JSONResponse(
            {"payment_intent": state.intents[pi_id], "events": events, "deliveries": deliveries}
        )

    async def resend(self, request: Request) -> Response:
        """`POST /dev/events/{id}/resend`: deliver a stored event again (a Stripe retry)."""
        event = self.stub.state.events.get(request.path_params["evt"])
        if event is None:
            return _stripe_error(StripeApiError(404, "No such event.", code="resource_missing"))
        return JSONResponse(await self.stub.deliver(event))

    def routes(self) -> list[Route]:
        return [
            Route("/v1/payment_intents", self.create_intent, methods=["POST"]),
            Route("/v1/payment_intents", self.list_stripe_intents, methods=["GET"]),
            Route("/v1/payment_intents/{pi}", self.get_intent, methods=["GET"]),
            Route("/dev/payment_intents", self.list_intents, methods=["GET"]),
            Route("/dev/payment_intents/{pi}/{action:str}", self.action, methods=["POST"]),
            Route("/dev/events/{evt}/resend", self.resend, methods=["POST"]),
        ]


async def _options(request: Request) -> dict[str, Any]:
    """Dev action options from a JSON body or the query string."""
    options: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        options.update(parsed if isinstance(parsed, dict) else {})
    if str(options.get("deliver", "true")).lower() in ("false", "0", "no"):
        options["deliver"] = False
    return options


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if not str(value).isdigit():
        raise StripeApiError(
            400, "Invalid positive integer", code="parameter_invalid_integer", param="amount"
        )
    return int(value)


def _outcome(value: Any) -> str | None:
    if value not in (None, "won", "lost"):
        raise StripeApiError(
            400, "outcome must be won or lost", code="parameter_invalid_string", param="outcome"
        )
    return None if value is None else str(value)


def build_app(stub: StripeStub) -> Starlette:
    """The stand-in as an ASGI app; `app.state.stripe` is the StripeStub."""
    app = Starlette(routes=_Api(stub).routes())
    app.state.stripe = stub
    return app
