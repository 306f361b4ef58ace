"""After a failed https connection, the advice fits the server: certificate flags for a server
that speaks TLS, ``http://`` for one that serves plain HTTP
(``replcheck.conformance.transport.tls_probe``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from tls_pki import Pki

from replcheck.conformance.cli import main
from replcheck.conformance.transport import bounded_http, tls_probe
from replcheck.reference_server.embedded import EmbeddedServer

#: What Vault (Go's net/http, measured on OpenBao 2.7.2's plain-HTTP dev listener) answers a
#: TLS ClientHello with, at once.
GO_PLAIN_HTTP_ANSWER = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n400 Bad Request"
)


@contextmanager
def _raw_server(answer: bytes | None) -> Iterator[int]:
    """A TCP server on a free port that answers every connection's first bytes with
    ``answer`` and closes, or (None) reads and never answers until the test ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(4096)
            if answer is None:
                accepted.append(conn)
            else:
                with conn:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def _error_of(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> str:
    code = main(["run", "--url", url, "--token", "t" * 24, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("replcheck run: error: "), err
    return lines[0]


def test_an_untrusted_tls_server_gets_the_certificate_flags(
    capsys, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    assert tls_probe.probe(mtls_server.url, None, 5) == "tls"
    error = _error_of(capsys, mtls_server.url)
    assert "--ca-cert FILE" in error and "plain HTTP" not in error


def test_https_to_a_plain_http_server_says_so_instead_of_suggesting_a_ca(capsys) -> None:
    with _raw_server(GO_PLAIN_HTTP_ANSWER) as port:
        url = f"https://127.0.0.1:{port}"
        assert tls_probe.probe(url, None, 5) == "plain-http"
        error = _error_of(capsys, url)
    assert f"answers plain HTTP, not TLS; use --url http://127.0.0.1:{port}" in error
    assert "--ca-cert" not in error


def test_https_to_a_server_that_never_answers_the_handshake(capsys, monkeypatch) -> None:
    monkeypatch.setattr(bounded_http, "CONNECT_TIMEOUT", 0.3)
    with _raw_server(None) as port:
        url = f"https://127.0.0.1:{port}"
        assert tls_probe.probe(url, None, 0.3) == "no-handshake"
        error = _error_of(capsys, url)
    assert "does not complete a TLS handshake" in error
    assert f"if it serves plain HTTP, use --url http://127.0.0.1:{port}" in error
    assert "--ca-cert" not in error


def test_the_probe_cannot_tell_when_nothing_listens_or_a_proxy_is_named(monkeypatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert tls_probe.probe(f"https://127.0.0.1:{port}", None, 1) is None
    with _raw_server(GO_PLAIN_HTTP_ANSWER) as port:
        monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert tls_probe.probe(f"https://127.0.0.1:{port}", None, 1) is None
