"""A raw-socket HTTP/1.1 client: the request goes out byte for byte as the case states it.

httpx (like every client library) normalises what it sends: it removes ``.``/``..`` segments,
re-encodes ``%00``, refuses absolute-form targets and picks the body framing itself. The
differential cases need exactly those requests, so they are written to a socket here.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["RawResponse", "send_raw"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def send_raw(
    port: int,
    head: bytes,
    body: Iterator[bytes] | None = None,
    *,
    timeout: float = 60.0,
) -> RawResponse:
    """Send ``head`` (request line and headers, ending in a blank line) and ``body``.

    The request says ``Connection: close``, so the answer is read until the server closes. The
    client never half-closes its side: Go cancels a request whose client has closed. A server
    may answer and close before the whole body is sent (413): the send stops there and the
    answer is still read.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(head)
            for piece in body or ():
                sock.sendall(piece)
        except OSError:  # the server answered and closed early (e.g. 413)
            pass
        received = bytearray()
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            received += data
    return parse_response(bytes(received))


def parse_response(raw: bytes) -> RawResponse:
    """The first response in ``raw`` (status, lower-case header names, decoded body); status 0
    when the server closed without answering."""
    if not raw:
        return RawResponse(0, {}, b"")  # closed without an answer
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/1."):
        raise ConnectionError(f"no HTTP response: {raw[:200]!r}")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(rest)
    elif "content-length" in headers:
        body = rest[: int(headers["content-length"])]
    else:
        body = rest
    return RawResponse(status, headers, body)


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return bytes(out)


def content_length_body(payload: bytes) -> Iterator[bytes]:
    for start in range(0, len(payload), _CHUNK):
        yield payload[start:start + _CHUNK]


def chunked_body(payload: bytes) -> Iterator[bytes]:
    for start in range(0, len(payload), _CHUNK):
        piece = payload[start:start + _CHUNK]
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"
