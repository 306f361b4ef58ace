"""Secondary activation tokens: what ``primary/secondary-token`` hands out and
``secondary/enable`` and ``update-primary`` take.

Vault answers ``secondary-token`` with a response-wrapping token in JWT form, whose claims carry
the primary's API address (``addr``): the secondary reads the address from the token and
unwraps it at the primary, which is how it finds its primary. The reference does the same: the
token is a JWT (signed with an HMAC key of the primary's, ``alg`` ``HS256``; Vault signs with
ECDSA), its claims are Vault's wrapping claims (``addr``, ``exp``, ``iat``, ``nbf``, ``jti``,
``type``), and the primary keeps a record per token: single use, with its ``ttl``, revocable
through ``revoke-secondary``. ``known_secondaries`` lists the ids of the records not revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

__all__ = ["ActivationRecord", "InvalidActivationToken", "claims", "issue", "signed_by"]


class InvalidActivationToken(Exception):
    """The token is not a wrapping token this cluster can read."""


@dataclass
class ActivationRecord:
    """The primary's memory of one activation token."""

    secondary_id: str
    mode: str
    jti: str
    accessor: str
    created: float
    ttl: int
    used: bool = False
    #: The secondary's public key (``generate-public-key``) when the token was made for one.
    public_key: str = ""

    def usable(self, now: float) -> bool:
        return not self.used and now < self.created + self.ttl


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(key: bytes, addr: str, record: ActivationRecord) -> str:
    """The JWT-form token for ``record`` (signed with the primary's ``key``)."""
    header = {"alg": "HS256", "typ": "JWT"}
    body = {
        "accessor": "",
        "addr": addr,
        "exp": int(record.created + record.ttl),
        "iat": int(record.created),
        "jti": record.jti,
        "nbf": int(record.created) - 5,
        "type": "wrapping",
    }
    signing_input = _b64(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64(
        json.dumps(body, separators=(",", ":")).encode()
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT-form wrapping token, unverified (the secondary reads ``addr`` from
    them before it can ask the primary); ``InvalidActivationToken`` if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidActivationToken
    try:
        body = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise InvalidActivationToken from None
    if not isinstance(body, dict) or body.get("type") != "wrapping" or not isinstance(
        body.get("addr"), str
    ) or not isinstance(body.get("jti"), str):
        raise InvalidActivationToken
    return body


def signed_by(token: str, key: bytes) -> bool:
    """Whether ``key`` signed ``token`` (the primary's check when it is asked to unwrap)."""
    signing_input, _, signature = token.rpartition(".")
    try:
        given = _unb64(signature)
    except ValueError:
        return False
    expected = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def new_jti() -> str:
    return secrets.token_hex(16)
