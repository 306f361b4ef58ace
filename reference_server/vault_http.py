"""Vault's HTTP conventions: envelope, errors, tokens, paths, bodies and lenient parameters.

Everything here is independent of routes and state, so the dispatcher in ``app`` stays a short
list of Vault's checks in Vault's order.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

__all__ = [
    "BODY_READ_ERROR",
    "JSON_HEADERS",
    "VaultError",
    "clean_path",
    "envelope",
    "error_body",
    "get_token",
    "parse_fields",
    "parse_json_object",
    "read_body",
    "request_id",
    "send_response",
    "unrecognized_warning",
]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
]


class VaultError(Exception):
    """An answer with status >= 400 and Vault's ``{"errors": [...]}`` body."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(status, messages)
        self.status = status
        self.messages = list(messages)


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


def error_body(messages: Iterable[str]) -> bytes:
    return json.dumps({"errors": list(messages)}, separators=(",", ":")).encode()


def envelope(
    request_id: str,
    *,
    data: Any = None,
    data_json: bytes | None = None,
    warnings: list[str] | None = None,
    auth: dict[str, Any] | None = None,
    mount_type: str = "system",
) -> bytes:
    """Vault's success envelope with every member present (``null`` when empty).

    ``data_json`` lets a caller pass an already-encoded ``data`` member (the cached status).
    """
    encoded = data_json if data_json is not None else _dumps(data)
    return b"".join((
        b'{"request_id":"', request_id.encode(),
        b'","lease_id":"","renewable":false,"lease_duration":0,"data":', encoded,
        b',"wrap_info":null,"warnings":', _dumps(warnings or None),
        b',"auth":', _dumps(auth), b',"mount_type":', _dumps(mount_type), b"}",
    ))


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


# --- paths and tokens ----------------------------------------------------------------------

def clean_path(path: str) -> str:
    """Go's ``path.Clean`` as ``net/http`` applies it: drop ``.``/``..``/empty segments.

    A trailing slash is kept (it changes the meaning of a write), so ``//sys//x/`` becomes
    ``/sys/x/``. Access checks and routing both use the cleaned path, so a spelling of a path
    can never reach a handler without the checks that apply to its clean form.
    """
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    cleaned = "/" + "/".join(segments)
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


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


# --- bodies --------------------------------------------------------------------------------

#: Key of an ``http.disconnect`` message that says why the body could not be read: the text
#: Go's body reader would give (``unexpected EOF``, ``malformed chunked encoding``), set by the
#: transport when the client's framing broke or ended early, rather than the client going away.
BODY_READ_ERROR = "replcheck.body_read_error"

#: Bytes of a body kept in memory while it streams; the rest goes to a temporary file until the
#: body is known to fit the limit. A body refused at the limit has then cost this much memory,
#: not 32 MiB, however many arrive at once.
BODY_MEMORY_BYTES = 64 * 1024


async def read_body(receive: Receive, limit: int, content_length: int | None) -> bytes:
    """Read the request body, counting while it streams; 413 as soon as it passes ``limit``.

    A declared ``Content-Length`` over the limit is refused before reading anything. A chunked
    body is counted chunk by chunk: the first ``BODY_MEMORY_BYTES`` stay in memory, the rest is
    spooled to an unlinked temporary file, and a refused body is dropped with its file, so
    hostile uploads cannot make the server hold what they sent.
    """
    if content_length is not None and content_length > limit:
        raise _too_large()
    message = await receive()
    if message["type"] == "http.disconnect":
        raise _disconnected(message)
    first = message.get("body", b"")
    if not message.get("more_body", False):  # the usual case: the whole body in one message
        if len(first) > limit:
            raise _too_large()
        return first
    with tempfile.SpooledTemporaryFile(max_size=BODY_MEMORY_BYTES) as spool:
        size = len(first)
        spool.write(first)
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _disconnected(message)
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            size += len(chunk)
            if size > limit:
                raise _too_large()
            spool.write(chunk)
        spool.seek(0)
        return spool.read()


def _too_large() -> VaultError:
    return VaultError(413, "http: request body too large")


def _disconnected(message: Message) -> VaultError:
    """Vault answers a body it cannot read with 500 and Go's reason (``unexpected EOF``)."""
    reason = message.get(BODY_READ_ERROR)
    if reason:
        return VaultError(500, reason)
    return VaultError(400, "client disconnected before sending the whole body")


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object; ``None`` for an empty body; 400 for anything else."""
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise VaultError(400, "error parsing JSON") from exc
    if not isinstance(value, dict):
        raise VaultError(400, "error parsing JSON")
    return value


def unrecognized_warning(names: Iterable[str]) -> str:
    return "Endpoint ignored these unrecognized parameters: [" + " ".join(sorted(names)) + "]"


# --- lenient field decoding (sdk/framework/field_data.go) ----------------------------------

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False", ""})
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
                 "d": 86400}


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _invalid(name: str, value: Any, kind: str) -> VaultError:
    return VaultError(
        400,
        f"Field validation failed: error converting input {_shown(value)} for field "
        f'"{name}": cannot parse as {kind}',
    )


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise _invalid(name, value, "bool")


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        return int(value)
    raise _invalid(name, value, "int")


def _to_duration(name: str, value: Any) -> int:
    """Seconds from an integer, a numeric string or a Go duration (``1h30m``, ``90s``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if re.fullmatch(r"\d{1,12}", text):
            return int(text)
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return int(sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))
    raise _invalid(name, value, "duration")


def _to_string(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    raise _invalid(name, value, "string")


def _to_string_list(name: str, value: Any) -> list[str]:
    """Vault's TypeCommaStringSlice: a list of strings or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        out: list[str] = []
        for item in value:
            out += _to_string_list(name, str(item))
        return out
    raise _invalid(name, value, "comma-separated string or list of strings")


def _to_kv(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise _invalid(name, value, "map of string to string")


FIELD_TYPES: dict[str, Callable[[str, Any], Any]] = {
    "bool": _to_bool,
    "int": _to_int,
    "duration": _to_duration,
    "string": _to_string,
    "string_list": _to_string_list,
    "kv": _to_kv,
}


def parse_fields(
    data: dict[str, Any] | None, fields: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Decode known fields (``null`` counts as absent) and list the unknown parameter names."""
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for name, raw in (data or {}).items():
        kind = fields.get(name)
        if kind is None:
            unknown.append(name)
        elif raw is not None:
            values[name] = FIELD_TYPES[kind](name, raw)
    return values, unknown
