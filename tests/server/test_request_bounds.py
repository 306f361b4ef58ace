"""Every phase of a request is bounded: the whole-request read timeout, the malformed-request log.

* A body that never arrives (a complete head, ``Content-Length: 100``, one byte) is answered and
  its connection closed at ``--read-timeout`` from the head's first byte, as Vault's
  ``http_read_timeout`` does (OpenBao 2.7.2 with ``http_read_timeout = "2s"`` answers 500
  ``{"errors":["read tcp A->B: i/o timeout"]}`` with ``Connection: close`` at 2.00 s; the
  reference server answers 400 with the same text: broken client input is never a 5xx here).
* Malformed requests, which any client can send without a token, write at most one warning line
  per minute with their count; each one is logged at debug level.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from replcheck.reference_server.malformed_log import MalformedRequestLog

from .hostile import head, send_and_half_close, status_of
from .serve_process import ServeProcess, read_until_closed

READ_TIMEOUT = 1.0
STALLED = head("PUT", "/v1/sys/policies/acl/stalled", "Content-Length: 100") + b"{"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = tmp_path_factory.mktemp("bounds") / "server.log"
    with ServeProcess(log, "--read-timeout", str(READ_TIMEOUT)) as running:
        yield running


def _timed_exchange(server: ServeProcess, raw: bytes, wait: float = 10.0) -> tuple[float, bytes]:
    """Send ``raw`` and keep the connection open; the seconds until the server closed it."""
    with server.connect(timeout=wait) as sock:
        started = time.monotonic()
        sock.sendall(raw)
        answer = read_until_closed(sock)
        return time.monotonic() - started, answer


def _still_open_after(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) != b""
    except TimeoutError:
        return True
    except ConnectionResetError:
        return False


# --- whole-request read timeout ----------------------------------------------------------------

def test_a_stalled_body_is_answered_and_closed_at_the_read_timeout(server):
    elapsed, answer = _timed_exchange(server, STALLED)
    assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + 2.0, elapsed
    response_head, _, body = answer.partition(b"\r\n\r\n")
    assert status_of(answer) == 400 and answer.count(b"HTTP/1.1 ") == 1
    assert b"connection: close" in response_head.lower()
    (error,) = json.loads(body)["errors"]
    assert error.startswith("read tcp 127.0.0.1:") and error.endswith(": i/o timeout")


def test_an_answer_given_without_the_body_still_closes_at_the_read_timeout(server):
    """``sys/health`` answers without reading the body; the connection is closed all the same."""
    raw = head("GET", "/v1/sys/health", "Content-Length: 100", token=False) + b"x"
    elapsed, answer = _timed_exchange(server, raw)
    assert status_of(answer) == 200
    assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + 2.0, elapsed


def test_a_chunked_body_that_stops_is_closed_at_the_read_timeout(server):
    raw = head("PUT", "/v1/sys/policies/acl/stalled", "Transfer-Encoding: chunked") + b"5\r\nab"
    elapsed, answer = _timed_exchange(server, raw)
    assert status_of(answer) == 400
    assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + 2.0, elapsed


def test_a_slow_body_that_ends_in_time_is_served(server):
    """The other way: a body that arrives before the deadline, byte by byte, is answered."""
    body = b'{"policy": "path \\"a\\" { capabilities = [\\"read\\"] }"}'
    with server.connect() as sock:
        sock.sendall(head("PUT", "/v1/sys/policies/acl/slow", f"Content-Length: {len(body)}"))
        for index in range(0, len(body), 10):
            time.sleep(READ_TIMEOUT * 0.4 / (len(body) / 10))
            sock.sendall(body[index:index + 10])
        sock.shutdown(socket.SHUT_WR)
        assert status_of(read_until_closed(sock)) == 204


def test_keep_alive_requests_each_get_their_own_read_timeout(server):
    """The deadline counts from each request's first byte, not from the accept: a connection
    idle between requests for longer than the timeout is not cut."""
    with server.connect() as sock:
        for _ in range(2):
            sock.sendall(head("GET", "/v1/sys/replication/status"))
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(65536)
            assert status_of(answer) == 200
            time.sleep(READ_TIMEOUT * 1.3)
        assert _still_open_after(sock, 0.1)


def test_read_timeout_0_keeps_a_stalled_body_waiting(tmp_path):
    """The other way: with the limit off, the same stalled body is still open later."""
    with (ServeProcess(tmp_path / "server.log", "--read-timeout", "0") as server,
          server.connect() as sock):
        sock.sendall(STALLED)
        assert _still_open_after(sock, READ_TIMEOUT * 2.5)


# --- the log of malformed requests --------------------------------------------------------------

_MALFORMED = [
    b"GET /v1/a b HTTP/1.1\r\nHost: h\r\n\r\n",
    b"\x00\x01 not http\r\n\r\n",
    head("POST", "/v1/sys/replication/recover", "Transfer-Encoding: chunked")
    + b"2\r\n{}\r\nzz\r\n",
    head("DELETE", "/v1/sys/replication/recover", "Transfer-Encoding: chunked", token=False)
    + b"zz\r\nnot a chunk\r\n",
]


def _send_malformed(server: ServeProcess, count: int) -> None:
    for index in range(count):
        send_and_half_close(server, _MALFORMED[index % len(_MALFORMED)])


def _malformed_lines(log: str, level: str) -> list[str]:
    return [line for line in log.splitlines() if level in line and "Malformed HTTP request" in line]


def test_many_malformed_requests_write_a_bounded_number_of_lines(tmp_path):
    count = 200
    log_file = tmp_path / "server.log"
    with ServeProcess(log_file) as server:
        before = len(server.log().splitlines())
        started = time.monotonic()
        _send_malformed(server, count)
        within = time.monotonic() - started
        during = server.log().splitlines()[before:]
    assert within < 60  # all of them within the first minute: one report line at most so far
    assert len(during) <= 1, during
    warnings = _malformed_lines(log_file.read_text(), "WARNING")
    # The first one at once, then the count of the rest when the server stopped.
    assert len(warnings) == 2, warnings
    assert "1 since start" in warnings[0]
    assert f"{count - 1} since the last report" in warnings[1]
    assert f"{count} since start" in warnings[1]


def test_at_debug_level_each_malformed_request_is_logged(tmp_path):
    """The other way: the bound is the rate limit, not lost requests. At debug level every one
    of them has its line."""
    count = 40
    with ServeProcess(tmp_path / "server.log", "--log-level", "debug") as server:
        _send_malformed(server, count)
        time.sleep(0.3)
        debug = _malformed_lines(server.log(), "DEBUG")
    assert len(debug) == count


class _FakeLoop:
    """Just enough of an event loop for ``MalformedRequestLog``: a clock and timers."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, object, tuple[object, ...]]] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback, *args):
        entry = (when, callback, args)
        self.timers.append(entry)
        loop = self

        class Handle:
            def cancel(self) -> None:
                if entry in loop.timers:
                    loop.timers.remove(entry)

        return Handle()

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while due := sorted(t for t in self.timers if t[0] <= end):
            when, callback, args = due[0]
            self.timers.remove(due[0])
            self.now = when
            callback(*args)  # type: ignore[operator]
        self.now = end


class _Lines:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.debug = 0

    def warning(self, message: str, *args: object) -> None:
        self.warnings.append(message % args)

    def debug_(self, message: str, *args: object) -> None:
        self.debug += 1


@pytest.mark.parametrize("per_second", [1, 50, 1000])
def test_the_warning_rate_is_bounded_whatever_the_request_rate(per_second):
    loop, lines = _FakeLoop(), _Lines()
    logger = type("Logger", (), {"warning": lines.warning, "debug": lines.debug_})()
    log = MalformedRequestLog(interval=60.0)
    minutes = 5
    for _ in range(minutes * 60):
        for _ in range(per_second):
            log.note("unparseable request head", logger, loop)  # type: ignore[arg-type]
        loop.advance(1.0)
    loop.advance(60.0)
    total = minutes * 60 * per_second
    assert lines.debug == total and log.total == total
    # One line at the first request, then at most one a minute; every request is counted in one.
    assert len(lines.warnings) <= minutes + 2
    counted = sum(int(w.split(": ", 1)[1].split(" ", 1)[0]) for w in lines.warnings)
    assert counted == total


def test_a_quiet_server_reports_each_rare_malformed_request_at_once():
    """The other way: the limit delays nothing when requests are minutes apart."""
    loop, lines = _FakeLoop(), _Lines()
    logger = type("Logger", (), {"warning": lines.warning, "debug": lines.debug_})()
    log = MalformedRequestLog(interval=60.0)
    for _ in range(3):
        log.note("unparseable request head", logger, loop)  # type: ignore[arg-type]
        assert lines.warnings[-1].startswith("Malformed HTTP requests: 1 since the last report")
        loop.advance(61.0)
    assert len(lines.warnings) == 3
