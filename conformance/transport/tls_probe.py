"""Does the target speak TLS at all? Asked only after an https connection failed.

The advice after a failed https connection depends on the answer: ``--ca-cert`` helps when the
server speaks TLS with a certificate the run does not trust, and is misleading when the URL
says https but the server serves plain HTTP (a common slip: ``vault server -dev`` listens on
plain HTTP). The probe sends a TLS ClientHello without verifying anything and reads the first
bytes that come back:

- a TLS record (content type 0x15 alert or 0x16 handshake): the server speaks TLS;
- ``HTTP/``: a plain-HTTP server; Vault's (Go's ``net/http``) answers the ClientHello at once
  with ``HTTP/1.1 400 Bad Request``;
- nothing before the deadline, or the connection closed: the server does not complete a TLS
  handshake (some plain-HTTP servers wait for the end of a request head that never comes).

No HTTP request is sent, nothing is verified or trusted, and the probe is skipped when the
environment names a proxy for the URL (the run goes through the proxy; a direct probe would
judge something else).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from typing import Literal

import httpx

from replcheck.conformance.transport.bounded_http import proxy_for

TlsAnswer = Literal["tls", "plain-http", "no-handshake"]

#: TLS record content types a TLS server may answer a ClientHello with: alert, handshake.
_TLS_RECORD_TYPES = (0x15, 0x16)


def probe(url: str, server_name: str | None, timeout: float) -> TlsAnswer | None:
    """What the server behind https ``url`` answers a TLS ClientHello, or None when that
    cannot be told (not reachable, a proxy in the way, not an https URL)."""
    parsed = httpx.URL(url)
    if parsed.scheme != "https" or proxy_for(parsed) is not None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name or parsed.host)
    with contextlib.suppress(ssl.SSLWantReadError):  # the ClientHello is written, then it waits
        tls.do_handshake()
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((parsed.host, parsed.port or 443), timeout=timeout)
    except OSError:
        return None
    with sock:
        try:
            sock.sendall(outgoing.read())
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            first = sock.recv(5)
        except TimeoutError:
            return "no-handshake"
        except OSError:
            return None
    if first.startswith(b"HTTP/"):
        return "plain-http"
    if first and first[0] in _TLS_RECORD_TYPES:
        return "tls"
    return "no-handshake"
