"""The client's Idempotency-Key header, so a retried tap changes credit or money once."""

from __future__ import annotations

from mimi.errors import ValidationFailed


def client_key(header: str | None) -> str | None:
    """The client's key when it sent one; 422 when it is not 8 to 100 printable ASCII characters."""
    if header is None:
        return None
    if not 8 <= len(header) <= 100 or not header.isascii() or not header.isprintable():
        raise ValidationFailed("Idempotency-Key: 8 to 100 printable ASCII characters",
                               code="invalid_idempotency_key")
    return header
