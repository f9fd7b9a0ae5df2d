"""Schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS by mimi_local.fuzz).

- before_call: in the signed pass (MIMI_FUZZ_BASE_URL set; its document has no signature headers to vary), each
  QStash or Stripe delivery is sent as those services send it: the body serialised once, and that exact byte
  string signed (QStash's Upstash-Signature JWT for the request URL, Stripe's t=...,v1=... header), so generated
  payloads reach the parsing and the rules behind the signature check. In every other pass the hooks leave the
  request as generated: the (wrong) signatures are the test.
- filter_failure: a "schema-valid request rejected" (ST202) is not a finding when the 422 is the API's refusal of
  text Postgres cannot store (NUL or an unpaired surrogate, type `string_unstorable`): a JSON Schema string
  admits them, the database does not, and 422 is what the API promises for them (README "Routes").
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

from mimi_local.qstash.delivery import sign as qstash_signature
from mimi_local.stripe.app import sign_payload as stripe_signature

QSTASH_PATHS = ("/functions/reading_processor/", "/functions/reconcile/")
STRIPE_PATH = "/functions/stripe_webhook/"


def body_bytes(body: Any) -> bytes:
    """The generated body as the bytes to send (and sign)."""
    if isinstance(body, bytes):
        return body
    if type(body).__name__ == "NotSet":
        return b""
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Sign QStash's and Stripe's deliveries in the signed pass; leave every other request as generated."""
    base = os.environ.get("MIMI_FUZZ_BASE_URL")
    path = case.formatted_path
    if not base or not path.startswith((*QSTASH_PATHS, STRIPE_PATH)):
        return
    raw = body_bytes(case.body)
    kwargs["data"] = (
        raw  # sent as these bytes (the generated body stays the case's, for its checks)
    )
    headers = case.headers if case.headers is not None else {}
    if path.startswith(STRIPE_PATH):
        secret = os.environ["MIMI_FUZZ_STRIPE_SECRET"]
        headers["Stripe-Signature"] = stripe_signature(raw.decode("utf-8", "replace"), secret)
    else:
        headers["Upstash-Signature"] = qstash_signature(
            os.environ["MIMI_FUZZ_QSTASH_KEY"], base + path, raw
        )
    case.headers = headers


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except ST202 on the API's documented 422 for text the database cannot store."""
    if getattr(failure, "code", None) != "ST202" or response.status_code != 422:
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return True
    errors = problem.get("errors") or [{}]
    return not all(error.get("type") == "string_unstorable" for error in errors)
