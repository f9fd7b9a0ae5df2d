"""QStash: publishing reading jobs to the processor and verifying the deliveries it receives."""

from __future__ import annotations

import logging
from functools import lru_cache

from qstash import QStash, Receiver
from qstash.errors import SignatureError
from qstash.http import RetryConfig

from mimi import http
from mimi.config import get_settings
from mimi.logs import log
from mimi.readings.errors import QStashSignatureInvalid, QueueUnavailable

# A few quick retries only: the readings function answers the user within its 10 s budget.
PUBLISH_RETRY = RetryConfig(retries=2, backoff=lambda attempt: 100.0 * (attempt + 1))
PUBLISH_TIMEOUT_S = 2.0
FAILED_PATH = "failed"
SWEEP_PATH = "sweep"


@lru_cache(maxsize=4)
def _client(token: str, base_url: str) -> QStash:
    client = QStash(token, retry=PUBLISH_RETRY, base_url=base_url)
    # the SDK waits up to 600 s by default; a hung publish must fail inside the Lambda's budget so we refund
    http.adopt(client.http, PUBLISH_TIMEOUT_S)
    return client


@lru_cache(maxsize=4)
def _receiver(current_key: str, next_key: str) -> Receiver:
    return Receiver(current_key, next_key)


def client() -> QStash:
    """The QStash client of this process (rebuilt only when its settings change)."""
    s = get_settings()
    return _client(s.qstash_token.get_secret_value(), s.qstash_url)


def processor_url() -> str:
    """Where QStash delivers reading jobs."""
    return get_settings().reading_processor_url


def failed_url() -> str:
    """Where QStash reports a job whose retries ran out."""
    return processor_url().rstrip("/") + "/" + FAILED_PATH


def sweep_url() -> str:
    """Where the QStash schedule delivers the stale-reading sweep."""
    return processor_url().rstrip("/") + "/" + SWEEP_PATH


def publish_reading(reading_id: str, *, deduplication_id: str | None = None) -> str:
    """Queue one reading job (deduplicated by reading id unless told); ServiceUnavailable when QStash cannot take it."""
    try:
        response = client().message.publish_json(
            url=processor_url(),
            body={"reading_id": reading_id},
            deduplication_id=deduplication_id or reading_id,
            retries=get_settings().qstash_retries,
            failure_callback=failed_url(),
        )
    except Exception as exc:  # any transport or API failure: the caller refunds
        log(
            "qstash_publish_failed",
            logging.ERROR,
            reading_id=reading_id,
            error_type=type(exc).__name__,
        )
        detail = "The reading queue is unavailable; your credit was returned. Please try again."
        raise QueueUnavailable(detail) from None
    return str(getattr(response, "message_id", ""))


def verify(body: bytes, signature: str | None, *, url: str) -> None:
    """Check an Upstash-Signature against the current and next signing keys; 401 on any failure.

    The same shape as Stripe's check (mimi.payments.webhook.verify): the raw body, then the signature header.
    """
    s = get_settings()
    receiver = _receiver(
        s.qstash_current_signing_key.get_secret_value(),
        s.qstash_next_signing_key.get_secret_value(),
    )
    try:
        if not signature:
            raise SignatureError("missing signature")
        receiver.verify(signature=signature, body=body.decode("utf-8"), url=url)
    except (
        Exception
    ) as exc:  # a bad key, claim, subject, body hash or encoding: all mean "not from QStash"
        log("qstash_signature_invalid", logging.WARNING, error_type=type(exc).__name__)
        raise QStashSignatureInvalid("The request is not signed by QStash.") from None
