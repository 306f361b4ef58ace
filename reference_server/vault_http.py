"""Vault's HTTP conventions: envelope, errors, tokens, paths and bodies.

Everything here is independent of routes and state, so the dispatcher in ``app`` stays a short
list of Vault's checks in Vault's order.
"""

from __future__ import annotations

import html
import json
import random
import tempfile
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

__all__ = [
    "BODY_READ_ERROR",
    "JSON_HEADERS",
    "HttpAnswer",
    "VaultError",
    "clean_path",
    "decode_path",
    "envelope",
    "error_body",
    "get_token",
    "is_relative_path",
    "multierror",
    "parse_body",
    "parse_json_object",
    "read_body",
    "redirect",
    "request_id",
    "request_target_path",
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
class HttpAnswer(Exception):
    """An answer given by Go's HTTP layer, outside Vault's JSON conventions.

    Vault's own handlers are wrapped by Go's ``net/http`` machinery, which answers some requests
    itself: the printable-path check (a bare 400 with no body and no headers) and the
    path-cleaning redirect (307).
    """

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


def multierror(*messages: str) -> str:
    """Vault's multierror text: ``1 error occurred:\n\t* permission denied\n\n``."""
    count = "1 error occurred" if len(messages) == 1 else f"{len(messages)} errors occurred"
    return count + ":\n" + "".join(f"\t* {m}\n" for m in messages) + "\n"


def redirect(method: str, location: str) -> HttpAnswer:
    """Go's ``http.Redirect`` with 307: a short HTML body for GET only, its type for GET/HEAD."""
    headers = [(b"cache-control", b"no-store"), (b"location", location.encode("latin-1"))]
    body = b""
    if method in ("GET", "HEAD"):
        headers.insert(0, (b"content-type", b"text/html; charset=utf-8"))
    if method == "GET":
        escaped = html.escape(location, quote=True)
        body = f'<a href="{escaped}">Temporary Redirect</a>.\n\n'.encode("latin-1", "replace")
    return HttpAnswer(307, headers, body)


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
    top_level: dict[str, Any] | None = None,
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
        b',"wrap_info":null,"warnings":', _dumps(warnings or None),
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


# --- paths and tokens ----------------------------------------------------------------------

def request_target_path(raw_path: str) -> str:
    """The escaped path of a request target, as Go's ``net/http`` reads it.

    An absolute-form target (``http://host/v1/x``) gives its path; a target starting with
    ``//`` is read as ``//authority/path`` (Go's ``url.ParseRequestURI``), so ``//v1/sys/x``
    is the path ``/sys/x`` on the host ``v1``.
    """
    for scheme in ("http://", "https://"):
        if raw_path[: len(scheme)].lower() == scheme:
            rest = raw_path[len(scheme):]
            slash = rest.find("/")
            return rest[slash:] if slash >= 0 else "/"
    if raw_path.startswith("//") and not raw_path.startswith("///"):
        slash = raw_path.find("/", 2)
        return raw_path[slash:] if slash >= 0 else "/"
    return raw_path


def decode_path(escaped: str) -> str:
    """Percent-decode a path like Go's ``URL.Path`` (bytes that are not UTF-8 become U+FFFD)."""
    return unquote_to_bytes(escaped).decode("utf-8", "replace")


def is_relative_path(path: str) -> bool:
    """Whether a decoded path has a ``.`` or ``..`` segment (Vault refuses it with 400)."""
    return any(segment in (".", "..") for segment in path.split("/"))


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
