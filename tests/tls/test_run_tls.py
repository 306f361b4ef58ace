"""``replcheck run`` over TLS as Vault's clients do it: mutual TLS, a hashed CA folder, a server
name other than the URL's host, and one-sentence refusals naming the flags and variables."""

from __future__ import annotations

import socket
import ssl
import threading

import httpx
import pytest
from tls_pki import Pki

from replcheck.conformance.cli import main
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport import bounded_http
from replcheck.conformance.transport.tls import client_context
from replcheck.reference_server.embedded import EmbeddedServer

TOKEN = "tls-root-token"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", "--token", TOKEN, "--seed", "1", "--max-examples", "2", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_sentence(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("replcheck run: error: ")]
    assert len(errors) == 1 and errors == [lines[-1]], err
    return errors[0]


def test_mutual_tls_with_the_client_certificate_is_conformant(
    capsys, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    code, out, _ = _run(
        capsys, "--url", mtls_server.url, "--ca-cert", str(pki.ca),
        "--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key),
    )
    assert code == 0, out[-3000:]
    assert "CONFORMANT" in out


def test_mutual_tls_from_the_environment(
    capsys, monkeypatch, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    monkeypatch.setenv("VAULT_CACERT", str(pki.ca))
    monkeypatch.setenv("VAULT_CLIENT_CERT", str(pki.client_cert))
    monkeypatch.setenv("VAULT_CLIENT_KEY", str(pki.client_key))
    code, out, _ = _run(capsys, "--url", mtls_server.url, "-k", "status")
    assert code == 0, out[-3000:]


def test_mutual_tls_without_a_client_certificate_exits_2_naming_the_flags(
    capsys, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    code, _, err = _run(capsys, "--url", mtls_server.url, "--ca-cert", str(pki.ca))
    assert code == 2
    sentence = _one_sentence(err)
    assert "--client-cert" in sentence and "VAULT_CLIENT_CERT" in sentence


def test_mutual_tls_with_a_certificate_of_another_ca_exits_2(
    capsys, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    code, _, err = _run(
        capsys, "--url", mtls_server.url, "--ca-cert", str(pki.ca),
        "--client-cert", str(pki.wrong_client_cert), "--client-key", str(pki.wrong_client_key),
    )
    assert code == 2
    assert "refused the client certificate" in _one_sentence(err)


def test_ca_path_trusts_a_hashed_folder(capsys, pki: Pki, mtls_server: EmbeddedServer) -> None:
    code, out, _ = _run(
        capsys, "--url", mtls_server.url, "--ca-path", str(pki.ca_folder), "-k", "status",
        "--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key),
    )
    assert code == 0, out[-3000:]


def test_ca_path_reads_every_file_whatever_its_name(
    capsys, tmp_path, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    """As Vault reads VAULT_CAPATH: a plain ``ca.pem`` counts, where OpenSSL's own lookup in a
    folder would only find hashed names."""
    (tmp_path / "ca.pem").write_bytes(pki.ca.read_bytes())
    code, out, _ = _run(
        capsys, "--url", mtls_server.url, "--ca-path", str(tmp_path), "-k", "status",
        "--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key),
    )  # fmt: skip
    assert code == 0, out[-3000:]


def test_ca_path_of_another_ca_is_not_trusted(
    capsys, tmp_path, pki: Pki, mtls_server: EmbeddedServer
) -> None:
    (tmp_path / "other.pem").write_bytes(pki.wrong_client_cert.read_bytes())
    code, _, err = _run(capsys, "--url", mtls_server.url, "--ca-path", str(tmp_path))
    assert code == 2
    assert "TLS handshake" in _one_sentence(err)


@pytest.mark.parametrize(
    ("content", "words"),
    [({"notes.txt": "not a certificate"}, "not a PEM certificate"), ({}, "no certificate")],
)
def test_ca_path_without_certificates_is_refused(capsys, tmp_path, content, words) -> None:
    for name, text in content.items():
        (tmp_path / name).write_text(text)
    code, _, err = _run(capsys, "--url", "https://127.0.0.1:1", "--ca-path", str(tmp_path))
    assert code == 2
    sentence = _one_sentence(err)
    assert words in sentence and "VAULT_CAPATH" in sentence


def test_the_server_name_is_sent_and_verified(
    capsys, pki: Pki, named_server: EmbeddedServer
) -> None:
    base = ("--url", named_server.url, "--ca-cert", str(pki.ca), "-k", "status")
    code, _, err = _run(capsys, *base)
    assert code == 2  # the certificate is for vault.test, not 127.0.0.1
    sentence = _one_sentence(err)
    assert "TLS handshake" in sentence and "--tls-server-name" in sentence
    code, out, _ = _run(capsys, *base, "--tls-server-name", "vault.test")
    assert code == 0, out[-3000:]
    code, _, err = _run(capsys, *base, "--tls-server-name", "other.test")
    assert code == 2


def test_the_server_name_reaches_the_server_as_sni(pki: Pki, named_server: EmbeddedServer) -> None:
    """The name travels in the ClientHello (SNI), not only in the certificate check."""

    seen: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.named_cert, pki.named_key)
    context.sni_callback = lambda _sock, name, _ctx: seen.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept() -> None:
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1024)
                tls.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    http = bounded_http.BoundedHttp(
        context=client_context(Settings(ca_cert=str(pki.ca))),
        max_response_bytes=1024,
        timeout_s=10,
        server_name="vault.test",
    )
    try:
        answer = http.exchange(httpx.Request("GET", f"https://127.0.0.1:{port}/"))
    finally:
        http.close()
        thread.join(timeout=10)
        listener.close()
    assert answer.status == 200
    assert seen == ["vault.test"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--client-cert", "c.pem"), ("--client-cert", "--client-key", "VAULT_CLIENT_KEY")),
        (("--client-key", "k.pem"), ("--client-cert", "--client-key", "VAULT_CLIENT_CERT")),
        (("--client-cert", "/nonexistent/c.pem", "--client-key", "/nonexistent/k.pem"),
         ("cannot load the client certificate", "--client-cert", "VAULT_CLIENT_CERT")),
        (("--ca-path", "/nonexistent/cas"), ("--ca-path", "VAULT_CAPATH", "not a folder")),
        (("--ca-cert", "/nonexistent/ca.pem"), ("--ca-cert", "VAULT_CACERT", "does not exist")),
    ],
)
def test_bad_tls_settings_exit_2_with_one_sentence(capsys, args, words) -> None:
    code, _, err = _run(capsys, "--url", "https://127.0.0.1:1", *args)
    assert code == 2
    sentence = _one_sentence(err)
    for word in words:
        assert word in sentence


def test_a_key_that_does_not_match_the_certificate_is_refused(capsys, pki: Pki) -> None:
    code, _, err = _run(
        capsys, "--url", "https://127.0.0.1:1",
        "--client-cert", str(pki.client_cert), "--client-key", str(pki.wrong_client_key),
    )
    assert code == 2
    assert "cannot load the client certificate" in _one_sentence(err)
