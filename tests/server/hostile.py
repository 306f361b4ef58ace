"""Hostile clients over raw sockets, shared by the tests and ``bench_hostile_clients.py``."""

from __future__ import annotations

import random
import socket

from .serve_process import ServeProcess, read_until_closed

__all__ = [
    "ROOT",
    "chunked_upload",
    "fuzz_cases",
    "head",
    "send_and_half_close",
    "status_of",
]

ROOT = "root"


def head(method: str, path: str, *headers: str, token: bool = True) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"X-Vault-Token: {ROOT}")
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode("latin-1")


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:80]
    return int(response[9:12])


def chunked_upload(port: int, total: int, chunk: int = 64 * 1024) -> int:
    """POST ``total`` bytes of chunked body to recover (a path that reads its body)."""
    block = b"%x\r\n" % chunk + b" " * chunk + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked"))
        sent = 0
        try:
            while sent < total:
                sock.sendall(block)
                sent += chunk
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # refused early and closed: the answer is still in our receive buffer
        response = b""
        while b"\r\n\r\n" not in response and (data := sock.recv(65536)):
            response += data
    return status_of(response)


#: Request heads answered without reading the body (403, 404, 405) and with reading it.
_TARGETS = [
    ("POST", "/v1/sys/replication/recover", False),    # 403: no token
    ("POST", "/v1/sys/replication/nonexistent", True),  # 404
    ("BREW", "/v1/sys/replication/status", False),     # 405, unknown method
    ("LIST", "/v1/sys/replication/recover", True),     # 405
    ("POST", "/v1/sys/replication/recover", True),     # body read
    ("PUT", "/v1/sys/policies/acl/fuzz", True),        # body read
    ("GET", "/v1/sys/replication/status", False),      # body ignored
]

#: (extra headers, body bytes): each one malformed in its framing.
_FRAMINGS: list[tuple[list[str], bytes]] = [
    (["Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"-1\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"ffffffffffffffffffffff\r\nhello\r\n"),
    (["Transfer-Encoding: chunked"], b"5\r\nhelloXX0\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"5\r\nhel"),
    (["Transfer-Encoding: chunked"], b"5;\x00bad\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"5\nhello\n0\n\n"),
    (["Transfer-Encoding: chunked"], b"0\r\nbad trailer line\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\nGARBAGE\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\nPOST /v1/x HTTP/1.1\r\nHost: h\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\nqq\r\n"),
    (["Transfer-Encoding: chunked"], b"4000\r\n" + b"a" * 100 + b"\r\n0\r\n\r\n"),
    (["Transfer-Encoding: chunked", "Content-Length: 5"], b"5\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: gzip, chunked"], b"5\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: chunked, chunked"], b"5\r\nhello\r\n0\r\n\r\n"),
    (["Transfer-Encoding: identity"], b"hello"),
    (["Transfer-Encoding:  chunked "], b"zz\r\n"),
    (["Content-Length: 5", "Content-Length: 6"], b"hello!"),
    (["Content-Length: 5, 6"], b"hello!"),
    (["Content-Length: -5"], b"hello"),
    (["Content-Length: abc"], b"hello"),
    (["Content-Length: 99999999999999999999999999"], b"hello"),
    (["Content-Length: 10"], b"hello"),
    (["Bad Header: x"], b""),
    (["Folded: a", " continued"], b""),
    (["X-Nul: a\x00b"], b""),
    (["X-Long: " + "a" * 100_000], b""),
    ([":empty-name"], b""),
    (["Expect: 100-continue", "Transfer-Encoding: chunked"], b"zz\r\n"),
]

#: Whole requests that are malformed before any body.
_GARBAGE: list[bytes] = [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(64)),  # a TLS ClientHello
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"GET /v1/sys/\xff\xfe HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /v1/a b HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /v1/a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET  HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /v1/sys/replication/status HTTP/9.9\r\nHost: h\r\n\r\n",
    b"GET /v1/sys/replication/status\r\n\r\n",
    b"GET /v1/sys/replication/status HTTP/1.1\r\n\r\n",
    b"G\x00T / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"\r\n\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\n",
    b"GET /v1/sys/replication/status HTTP/1.1\nHost: h\n\n",
    b"GET http://[::1/v1/x HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET * HTTP/1.1\r\nHost: h\r\n\r\n",
    b"CONNECT 127.0.0.1:8200 HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\n\r\n",
]


def fuzz_cases(mutations: int = 120, seed: int = 8) -> list[bytes]:
    cases = [
        head(method, path, *headers, token=token) + body
        for method, path, token in _TARGETS
        for headers, body in _FRAMINGS
    ]
    cases += _GARBAGE
    # Byte-level mutations of a valid chunked request: flips, drops and duplications.
    valid = head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked") \
        + b"2\r\n{}\r\n3\r\n   \r\n0\r\n\r\n"
    rng = random.Random(seed)
    for _ in range(mutations):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            action = rng.randrange(3)
            if action == 0:
                data[at] = rng.randrange(256)
            elif action == 1:
                del data[at]
            else:
                data[at:at] = data[at:at + rng.randint(1, 8)]
        cases.append(bytes(data))
    return cases


def send_and_half_close(server: ServeProcess, raw: bytes) -> bytes:
    with server.connect(timeout=10) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return read_until_closed(sock)
