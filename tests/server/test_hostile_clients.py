"""Hostile clients against ``replcheck serve`` in its own process, over raw sockets.

* concurrent chunked uploads over the 32 MiB limit do not grow the server's memory;
* no client input makes the server log a traceback (a framing fuzz of a few hundred requests);
* connections that never finish their request head are closed after the header-read timeout,
  while normal clients are served;
* the transport hands methods and paths to the app unchanged (``LIST``, unknown methods, raw
  paths): over a socket the answers equal the in-process ones.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import assert_conformant
from .serve_process import ServeProcess, read_until_closed

ROOT = "root"
MIB = 1024 * 1024
HEADER_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with ServeProcess(log, "--read-header-timeout", str(HEADER_TIMEOUT)) as running:
        yield running


def _head(method: str, path: str, *headers: str, token: bool = True) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"X-Vault-Token: {ROOT}")
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode("latin-1")


def _status(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:80]
    return int(response[9:12])


# --- memory under concurrent chunked uploads ---------------------------------------------------

def _chunked_upload(port: int, total: int, chunk: int = 64 * 1024) -> int:
    """POST ``total`` bytes of chunked body to recover (a path that reads its body)."""
    block = b"%x\r\n" % chunk + b" " * chunk + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(_head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked"))
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
    return _status(response)


def test_concurrent_chunked_uploads_over_the_limit_do_not_grow_memory(tmp_path):
    with ServeProcess(tmp_path / "server.log") as server:
        # Warm up every code path of the measurement once: a chunked body under the limit
        # (spooled, then parsed) and one over it.
        assert _chunked_upload(server.port, 2 * MIB) == 200
        assert _chunked_upload(server.port, 33 * MIB) == 413
        before = server.memory_kb("VmRSS")
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _chunked_upload(server.port, 33 * MIB), range(8)))
        peak, after = server.memory_kb("VmHWM"), server.memory_kb("VmRSS")
        assert statuses == [413] * 8
        grown_mb = (peak - before) / 1024
        assert grown_mb < 10, f"RSS peaked {grown_mb:.1f} MB above its {before / 1024:.1f} MB"
        # What the uploads' reads needed goes back to the system once they end.
        assert (after - before) / 1024 < 5, f"RSS {after / 1024:.1f} MB, was {before / 1024:.1f}"
        assert "Traceback" not in server.log()


def test_a_body_under_the_limit_still_arrives_whole(server):
    """The spool gives the app the exact bytes: a 3 MiB JSON body in 1 KiB chunks parses."""
    document = json.dumps({"diff": False, "padding": "x" * (3 * MIB)}).encode()
    chunks = b"".join(b"%x\r\n" % len(part) + part + b"\r\n"
                      for part in (document[i:i + 1024] for i in range(0, len(document), 1024)))
    response = server.exchange(
        _head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked",
              "Connection: close") + chunks + b"0\r\n\r\n")
    assert _status(response) == 200
    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert "Endpoint ignored these unrecognized parameters: [diff padding]" in body["warnings"]


# --- no traceback for any client input ----------------------------------------------------------

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


def _fuzz_cases(mutations: int = 120, seed: int = 8) -> list[bytes]:
    cases = [
        _head(method, path, *headers, token=token) + body
        for method, path, token in _TARGETS
        for headers, body in _FRAMINGS
    ]
    cases += _GARBAGE
    # Byte-level mutations of a valid chunked request: flips, drops and duplications.
    valid = _head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked") \
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


def _send_and_half_close(server: ServeProcess, raw: bytes) -> bytes:
    with server.connect(timeout=10) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return read_until_closed(sock)


def test_framing_fuzz_never_makes_the_server_log_a_traceback(server):
    cases = _fuzz_cases()
    assert len(cases) >= 300
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda raw: _send_and_half_close(server, raw), cases))
    statuses = []
    for raw, response in zip(cases, responses, strict=True):
        if response:  # an answer, or none (closed): never a 5xx or a broken status line
            status = _status(response)
            assert status < 500, (raw[:200], response[:200])
            statuses.append(status)
    assert 400 in statuses and 403 in statuses  # malformed ones refused, well-formed answered
    log = server.log()
    assert log.count("Traceback") == 0, log[-3000:]
    assert "Exception in ASGI application" not in log
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        assert client.get("/v1/sys/replication/status").status_code == 200


def test_bad_chunk_after_an_answer_without_reading_the_body(server):
    """The case of issue 8: 403 sent before the body is read, then a malformed chunk."""
    response = _send_and_half_close(server, _head(
        "POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked", token=False,
    ) + b"zz\r\nnot a chunk\r\n")
    assert _status(response) == 403
    assert response.count(b"HTTP/1.1 ") == 1  # no second answer to the same request
    assert "Traceback" not in server.log()


def test_bad_chunk_in_a_body_being_read_fails_the_read_and_the_app_answers(server):
    """As in Go: the app's body read fails, its own error answer goes out, then the close."""
    response = _send_and_half_close(server, _head(
        "POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked",
    ) + b"2\r\n{}\r\nzz\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert _status(response) == 400 and response.count(b"HTTP/1.1 ") == 1
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["errors"]
    assert "Traceback" not in server.log()


def test_an_unparseable_request_gets_gos_plain_400(server):
    response = _send_and_half_close(server, b"GET /v1/a b HTTP/1.1\r\nHost: h\r\n\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Connection: close" in head and body == b"400 Bad Request"


# --- slow request heads -----------------------------------------------------------------------

def _closed_by_server(sock: socket.socket, wait: float) -> bool:
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_slow_request_heads_are_closed_and_normal_clients_served(server):
    silent = [server.connect() for _ in range(20)]
    partial = []
    for _ in range(180):
        sock = server.connect()
        sock.sendall(b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        partial.append(sock)
    stop = threading.Event()
    trickled = [server.connect() for _ in range(5)]

    def trickle() -> None:  # one header byte every 0.1 s: each byte is on time, the head is not
        head = b"GET /v1/sys/replication/status HTTP/1.1\r\nX-Slow: " + b"a" * 1000
        for byte in head:
            if stop.is_set():
                return
            for sock in trickled:
                with contextlib.suppress(OSError):
                    sock.send(bytes([byte]))
            time.sleep(0.1)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        # 205 slow connections are open: a normal client is still served at once.
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            response = client.get("/v1/sys/replication/status")
            assert response.status_code == 200
            assert_conformant(response)
        slow = silent + partial + trickled
        open_after = [s for s in slow if not _closed_by_server(s, HEADER_TIMEOUT * 10)]
        assert not open_after, f"{len(open_after)} of {len(slow)} slow connections still open"
    finally:
        stop.set()
        trickler.join()
        for sock in silent + partial + trickled:
            sock.close()


def test_the_header_timeout_spares_idle_keep_alive_and_slow_bodies(server):
    head = _head("GET", "/v1/sys/replication/status")
    with server.connect() as sock:
        for _ in range(2):  # idle between requests for longer than the header timeout
            sock.sendall(head)
            assert _status(_read_response(sock)) == 200
            time.sleep(HEADER_TIMEOUT * 1.5)
    with server.connect() as sock:  # a body may take longer than the head's timeout
        body = b'{"diff": false}'
        sock.sendall(_head("POST", "/v1/sys/replication/recover",
                           f"Content-Length: {len(body)}"))
        for byte in body:
            time.sleep(HEADER_TIMEOUT * 1.5 / len(body))
            sock.sendall(bytes([byte]))
        assert _status(_read_response(sock)) == 200


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before an answer"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


# --- methods and paths reach the app unchanged -----------------------------------------------

@pytest.mark.parametrize(
    ("method", "raw_path"),
    [
        ("LIST", "/v1/sys/policies/acl"),
        ("LIST", "/v1/sys/policies/acl/"),
        ("BREW", "/v1/sys/replication/status"),
        ("M-SEARCH", "/v1/sys/replication/status"),
        ("GET", "/v1/sys/replication%2Fstatus"),
        ("GET", "/v1/sys//replication/./status"),
        ("GET", "/v1/sys/replication/status?list=maybe"),
        ("POST", "/v1/sys/replication/reindex/"),
        ("GET", "/v1/sys/%72eplication/status"),
    ],
)
def test_methods_and_raw_paths_reach_the_app_as_sent(server, client, method, raw_path):
    over_socket = server.exchange(_head(method, raw_path, "Connection: close"))
    url = httpx.URL("http://127.0.0.1:8200").copy_with(raw_path=raw_path.encode())
    in_process = client.request(method, url, headers={"X-Vault-Token": ROOT})
    assert _status(over_socket) == in_process.status_code
    body = over_socket.split(b"\r\n\r\n", 1)[1]
    if in_process.status_code >= 400:
        assert json.loads(body) == in_process.json()


@pytest.fixture
def client(make_client):
    return make_client(root_token=ROOT)
