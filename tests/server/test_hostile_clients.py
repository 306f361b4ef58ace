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
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import assert_conformant
from .hostile import (
    ROOT,
    chunked_upload,
    fuzz_cases,
    head,
    send_and_half_close,
    status_of,
)
from .serve_process import ServeProcess

MIB = 1024 * 1024
HEADER_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with ServeProcess(log, "--read-header-timeout", str(HEADER_TIMEOUT)) as running:
        yield running


# --- memory under concurrent chunked uploads ---------------------------------------------------

def test_concurrent_chunked_uploads_over_the_limit_do_not_grow_memory(tmp_path):
    with ServeProcess(tmp_path / "server.log") as server:
        # Warm up every code path of the measurement once: a chunked body under the limit
        # (spooled, then parsed) and one over it.
        assert chunked_upload(server.port, 2 * MIB) == 200
        assert chunked_upload(server.port, 33 * MIB) == 413
        before = server.memory_kb("VmRSS")
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: chunked_upload(server.port, 33 * MIB), range(8)))
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
        head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked",
              "Connection: close") + chunks + b"0\r\n\r\n")
    assert status_of(response) == 200
    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert "Endpoint ignored these unrecognized parameters: [diff padding]" in body["warnings"]


# --- no traceback for any client input ----------------------------------------------------------

def test_framing_fuzz_never_makes_the_server_log_a_traceback(server):
    cases = fuzz_cases()
    assert len(cases) >= 300
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda raw: send_and_half_close(server, raw), cases))
    statuses = []
    for raw, response in zip(cases, responses, strict=True):
        if response:  # an answer, or none (closed): never a crash or a broken status line
            status = status_of(response)
            assert status < 500, raw[:200]
            statuses.append(status)
    assert 400 in statuses and 403 in statuses  # malformed ones refused, well-formed answered
    log = server.log()
    assert log.count("Traceback") == 0, log[-3000:]
    assert "Exception in ASGI application" not in log
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        assert client.get("/v1/sys/replication/status").status_code == 200


def test_bad_chunk_after_an_answer_without_reading_the_body(server):
    """The case of issue 8: 403 sent before the body is read, then a malformed chunk.

    Only writes read their body (before the token, as Vault does), so a DELETE shows it."""
    response = send_and_half_close(server, head(
        "DELETE", "/v1/sys/replication/recover", "Transfer-Encoding: chunked", token=False,
    ) + b"zz\r\nnot a chunk\r\n")
    assert status_of(response) == 403
    assert response.count(b"HTTP/1.1 ") == 1  # no second answer to the same request
    assert "Traceback" not in server.log()


def test_bad_chunk_in_a_body_being_read_fails_the_read_and_the_app_answers(server):
    """As in Go: the app's body read fails, Vault's answer to that goes out, then the close.

    OpenBao answers such a body 500 ``{"errors":["invalid byte in chunk length"]}`` (Go's
    reason; zttp's is coarser); the reference server answers 400, as bad client input must.
    """
    response = send_and_half_close(server, head(
        "POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked",
    ) + b"2\r\n{}\r\nzz\r\n")
    response_head, _, body = response.partition(b"\r\n\r\n")
    assert status_of(response) == 400 and response.count(b"HTTP/1.1 ") == 1
    assert b"content-type: application/json" in response_head.lower()
    assert json.loads(body) == {"errors": ["malformed chunked encoding"]}
    assert "Traceback" not in server.log()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (head("GET", "/v1/sys/replication/status"), 200),
        (head("POST", "/v1/sys/replication/recover", "Content-Length: 2") + b"{}", 200),
        (head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked")
         + b"2\r\n{}\r\n0\r\n\r\n", 200),
        (head("GET", "/v1/sys/replicatron/status"), 404),
        (head("POST", "/v1/sys/replication/recover", "Content-Length: 10") + b"{}", 400),
    ],
)
def test_a_client_that_half_closes_after_its_request_still_gets_the_answer(
    server, request_bytes, status
):
    """As in Go: EOF after a request is not a reason to drop its answer. A body it cuts short
    fails the app's read: 400 ``{"errors":["unexpected EOF"]}`` (OpenBao: 500, same text)."""
    response = send_and_half_close(server, request_bytes)
    assert status_of(response) == status and response.count(b"HTTP/1.1 ") == 1
    if request_bytes.endswith(b"{}") and b"Content-Length: 10" in request_bytes:
        body = json.loads(response.partition(b"\r\n\r\n")[2])
        assert body == {"errors": ["unexpected EOF"]}


def _client_hello() -> bytes:
    """The first flight of a real TLS client (Python's ssl), as a TLS client sends it."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="vault.test")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_a_tls_client_on_the_plain_port_gets_gos_400_at_once(server):
    """As Go's net/http under Vault: the ClientHello is answered 400 without waiting, so a
    client (and replcheck run's TLS hint) learns that the port speaks plain HTTP."""
    hello = _client_hello()
    assert hello.startswith(b"\x16\x03")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(hello)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request")


def test_an_unparseable_request_gets_gos_plain_400(server):
    response = send_and_half_close(server, b"GET /v1/a b HTTP/1.1\r\nHost: h\r\n\r\n")
    response_head, _, body = response.partition(b"\r\n\r\n")
    assert response_head.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Connection: close" in response_head and body == b"400 Bad Request"


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
        slow_head = b"GET /v1/sys/replication/status HTTP/1.1\r\nX-Slow: " + b"a" * 1000
        for byte in slow_head:
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
    request = head("GET", "/v1/sys/replication/status")
    with server.connect() as sock:
        for _ in range(2):  # idle between requests for longer than the header timeout
            sock.sendall(request)
            assert status_of(_read_response(sock)) == 200
            time.sleep(HEADER_TIMEOUT * 1.5)
    with server.connect() as sock:  # a body may take longer than the head's timeout
        body = b'{"diff": false}'
        sock.sendall(head("POST", "/v1/sys/replication/recover",
                           f"Content-Length: {len(body)}"))
        for byte in body:
            time.sleep(HEADER_TIMEOUT * 1.5 / len(body))
            sock.sendall(bytes([byte]))
        assert status_of(_read_response(sock)) == 200


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before an answer"
        data += chunk
    response_head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in response_head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return response_head + b"\r\n\r\n" + body


# --- methods and paths reach the app unchanged -----------------------------------------------

@pytest.mark.parametrize(
    ("method", "raw_path"),
    [
        ("LIST", "/v1/sys/policies/acl"),
        ("LIST", "/v1/sys/policies/acl/"),
        ("BREW", "/v1/sys/replication/status"),
        ("M-SEARCH", "/v1/sys/replication/status"),
        ("GET", "/v1/sys/replication%2Fstatus"),
        ("GET", "/v1/sys/replication/%2e/status"),
        ("GET", "/v1/sys/replication/status?list=maybe"),
        ("POST", "/v1/sys/replication/reindex/"),
        ("GET", "/v1/sys/%72eplication/status"),
    ],
)
def test_methods_and_raw_paths_reach_the_app_as_sent(server, client, method, raw_path):
    over_socket = server.exchange(head(method, raw_path, "Connection: close"))
    url = httpx.URL("http://127.0.0.1:8200").copy_with(raw_path=raw_path.encode())
    in_process = client.request(method, url, headers={"X-Vault-Token": ROOT})
    assert status_of(over_socket) == in_process.status_code
    body = over_socket.split(b"\r\n\r\n", 1)[1]
    if in_process.status_code >= 400:
        assert json.loads(body) == in_process.json()


@pytest.mark.parametrize(
    "target",
    [
        "/v1/sys/replication/status",
        "/v1/sys/replication/status?list=maybe",
        "/v1/sys/%72eplication/status",
        "/v1/sys/replication/recover",
        "/v1/sys/replicatron",
        "",
    ],
)
def test_an_absolute_form_target_is_served_as_its_path(server, target):
    """Go reads ``GET http://host/v1/x`` as ``/v1/x`` (checked against OpenBao)."""
    absolute = server.exchange(head("GET", f"http://vault.example:8200{target}",
                                    "Connection: close"))
    origin = server.exchange(head("GET", target or "/", "Connection: close"))
    assert status_of(absolute) == status_of(origin)
    if status_of(origin) >= 400:
        assert absolute.partition(b"\r\n\r\n")[2] == origin.partition(b"\r\n\r\n")[2]


@pytest.fixture
def client(make_client):
    return make_client(root_token=ROOT)


def test_plain_400_reaches_a_client_still_sending_an_over_long_head(
    server: ServeProcess,
) -> None:
    """A 64 KiB header (the suite's extreme token) is refused once the parser has seen too
    much of it. Go then drains the connection for a while before closing; closed at once, the
    server's socket answers the bytes still arriving with a reset, and the client, still
    writing, gets 'connection reset by peer' instead of the 400."""
    head = (b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: vault\r\n"
            b"X-Vault-Token: " + b"t" * 64 * 1024 + b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for start in range(0, len(head), 4096):
            conn.sendall(head[start:start + 4096])
            time.sleep(0.005)
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request"), answer
