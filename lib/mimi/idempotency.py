"""The client's Idempotency-Key header, so a retried tap changes credit or money once."""

from __future__ import annotations

import uuid

from mimi.errors import ValidationFailed


class InvalidIdempotencyKey(ValidationFailed):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(ValidationFailed):
    """A key already used with other parameters (422, as Stripe answers; SQL answers 409 for another operation)."""

    code = "idempotency_key_reused"


def client_key(header: str | None) -> str | None:
    """The client's key when it sent one; 422 when it is not 8 to 100 printable ASCII characters."""
    if header is None:
        return None
    if not 8 <= len(header) <= 100 or not header.isascii() or not header.isprintable():
        raise InvalidIdempotencyKey("Idempotency-Key: 8 to 100 printable ASCII characters")
    return header


def key_or_new(header: str | None) -> str:
    """The Idempotency-Key of a request: the client's (checked), or a fresh one when it sent none."""
    return client_key(header) or uuid.uuid4().hex
