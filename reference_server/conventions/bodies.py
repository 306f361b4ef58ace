"""Request bodies: read while counting (413 past the limit, spooled beyond memory), and parsed
as Vault parses them (a form only when it says so and does not look like JSON; the first JSON
value, nothing after it)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from .asgi import Message, Receive
from .errors import VaultError

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
    first: bytes = message.get("body", b"")
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
    """A body the client's framing broke or cut short: 400 with Go's reason (``unexpected EOF``).

    Vault answers this with 500 (its handler reports the read error as an internal one). The
    reference server answers 400 with the same text instead: broken client input is a client
    error, and no client input may get a 5xx here (one entry of the differential table).
    """
    reason = message.get(BODY_READ_ERROR)
    if reason:
        return VaultError(400, reason)
    return VaultError(400, "client disconnected before sending the whole body")


_JSON_WHITESPACE = " \t\n\r"
_FORM_TYPE = "application/x-www-form-urlencoded"


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as Vault's JSON decoder reads it: the first JSON value, nothing after it.

    ``None`` for an empty body or ``null``; the first value must be an object. Whatever follows
    it is never read (Go's ``json.Decoder.Decode``), so ``{} {"x": 1}`` and ``{} garbage`` are
    accepted. Strings with bytes that are not UTF-8 are accepted (Go replaces them by U+FFFD);
    a byte-order mark or ``NaN`` is not JSON. Anything else is 400 ``error parsing JSON``.
    """
    text = raw.decode("utf-8", "replace")
    position = _skip_whitespace(text, 0)
    if position == len(text):
        return None
    try:
        value, _ = _DECODER.raw_decode(text, position)
    except (ValueError, RecursionError) as exc:
        raise VaultError(400, "error parsing JSON") from exc
    if value is None:
        return None
    if not isinstance(value, dict):
        raise VaultError(400, "error parsing JSON")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _JSON_WHITESPACE:
        position += 1
    return position


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any] | None:
    """A POST/PUT body as Vault reads it: a form when it says so and does not look like JSON.

    Vault parses the body as a form only when the Content-Type is
    ``application/x-www-form-urlencoded`` and the first non-blank byte (of the first 512) is
    neither ``{`` nor ``[``; everything else is parsed as JSON, whatever its Content-Type.
    A form field given more than once is joined with commas.
    """
    if _media_type(content_type) == _FORM_TYPE:
        head = raw[:512].lstrip(_JSON_WHITESPACE.encode())
        if head[:1] not in (b"{", b"["):
            fields: dict[str, list[str]] = {}
            for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
                fields.setdefault(key, []).append(value)
            return {k: ",".join(v) for k, v in fields.items()} or None
    return parse_json_object(raw)


def _media_type(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def unrecognized_warning(names: Iterable[str]) -> str:
    return "Endpoint ignored these unrecognized parameters: [" + " ".join(sorted(names)) + "]"
