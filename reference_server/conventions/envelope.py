"""Vault's success answers: the envelope with every member present, its request id, and the
JSON headers every answer carries."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from typing import Any

from .asgi import Send

JSON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
]


def request_id() -> str:
    """A random version-4 UUID, as Vault gives each request.

    Not for secrets: ``random`` is several times cheaper than ``uuid.uuid4()``'s system call,
    and an id only has to be unique enough to tell requests apart in logs.
    """
    bits = _random_bits(128) & _UUID4_CLEAR | _UUID4_SET
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_random_bits = random.getrandbits
# Version 4 in bits 76-79, the RFC 4122 variant (10) in bits 62-63.
_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID4_SET = (0x4 << 76) | (0x2 << 62)


def envelope(
    request_id: str,
    *,
    data: Any = None,
    data_json: bytes | None = None,
    warnings: list[str] | None = None,
    auth: dict[str, Any] | None = None,
    mount_type: str = "system",
    top_level: dict[str, Any] | None = None,
    wrap_info: dict[str, Any] | None = None,
) -> bytes:
    """Vault's success envelope with every member present (``null`` when empty).

    ``data_json`` lets a caller pass an already-encoded ``data`` member (the cached status).
    ``top_level`` members are copied beside the envelope's own, as Vault does for a few system
    paths (``sys/capabilities-self``). Vault writes them before the envelope, so when a name
    collides (a path called ``data``) a JSON reader keeps the envelope's member; leaving such
    names out gives the same parsed answer without duplicate keys.
    """
    encoded = data_json if data_json is not None else _dumps(data)
    extra = b"".join(
        b"," + _dumps(name) + b":" + _dumps(value)
        for name, value in (top_level or {}).items()
        if name not in _ENVELOPE_MEMBERS
    )
    return b"".join((
        b'{"request_id":"', request_id.encode(),
        b'","lease_id":"","renewable":false,"lease_duration":0,"data":', encoded,
        b',"wrap_info":', _dumps(wrap_info), b',"warnings":', _dumps(warnings or None),
        b',"auth":', _dumps(auth), b',"mount_type":', _dumps(mount_type), extra, b"}",
    ))


_ENVELOPE_MEMBERS = frozenset({
    "request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings",
    "auth", "mount_type",
})


def _dumps(value: Any) -> bytes:
    if value is None:  # most members of most answers: skip the encoder
        return b"null"
    if isinstance(value, str) and value in _ENCODED_NAMES:
        return _ENCODED_NAMES[value]
    return json.dumps(value, separators=(",", ":")).encode()


#: Mount types, encoded once: every success envelope carries one.
_ENCODED_NAMES = {name: json.dumps(name).encode() for name in ("system", "token", "")}


async def send_response(send: Send, status: int, body: bytes | None) -> None:
    """Send a complete response; ``None`` body means no body at all (204, HEAD)."""
    headers = list(JSON_HEADERS)
    if body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
    elif status != 204:
        headers.append((b"content-length", b"0"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body or b""})


def unrecognized_warning(names: Iterable[str]) -> str:
    return "Endpoint ignored these unrecognized parameters: [" + " ".join(sorted(names)) + "]"
