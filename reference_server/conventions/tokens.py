"""Where a request's client token comes from, as Vault reads it."""

from __future__ import annotations

from collections.abc import Iterable


def get_token(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The client token: ``X-Vault-Token`` first, else ``Authorization: Bearer <token>``."""
    bearer: bytes | None = None
    for name, value in headers:
        if name == b"x-vault-token":
            if value:
                return value
        elif name == b"authorization" and bearer is None and value.startswith(b"Bearer "):
            bearer = value[7:].strip() or None
    return bearer
