"""HTTP that a hostile target cannot hang or exhaust: one deadline per request, one size cap.

``BoundedHttp.exchange`` sends one request and reads the whole answer under two bounds:

- a **deadline** covering the whole exchange (connecting, sending, the status line, headers
  and every byte of the body). httpx's timeouts apply to each socket operation, so a body
  dribbled one byte every 10 s never trips a 15 s read timeout; here every socket operation
  gets only the time left before the request's deadline (a ``NetworkBackend`` wrapper, the
  extension point httpcore offers for this).
- a **size cap** on the body, counted after decompression: a gzip or deflate body is inflated
  a bounded slice at a time, so a 4 MB gzip bomb stops at the cap instead of filling memory.
  Only ``gzip``/``x-gzip``/``deflate`` are decoded (the suite never asks for compression);
  any other coding is kept as it came, still capped.

A breach raises ``AnswerTooSlow`` or ``AnswerTooLarge``: the run stops with one sentence
(exit 2), never an out-of-memory or a hang. Proxies from ``HTTPS_PROXY``/``HTTP_PROXY``/
``NO_PROXY`` are honoured, as Vault's own client (Go's ``ProxyFromEnvironment``) does.
"""

from __future__ import annotations

import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

#: Connecting (TCP and TLS) gets at most this long, within the request's deadline.
CONNECT_TIMEOUT = 5.0
#: httpcore's own default size of a connection pool.
_DEFAULT_CONNECTIONS = 10
#: How many bytes one inflate step may produce; keeps a bomb's peak memory near the cap.
_INFLATE_SLICE = 1024 * 1024


class ExchangeFailed(Exception):
    """The exchange could not be completed; ``str(exc)`` is one sentence without the URL."""


class AnswerTooSlow(ExchangeFailed):
    """The whole answer did not arrive before the request's deadline."""


class AnswerTooLarge(ExchangeFailed):
    """The body (decompressed) is larger than the cap."""


class AnswerUndecodable(ExchangeFailed):
    """The body claims a content coding it does not follow (e.g. a broken gzip stream)."""


class ConnectFailed(ExchangeFailed):
    """The target could not be reached (refused, DNS, TLS handshake)."""


class ConnectionBroke(ExchangeFailed):
    """The connection broke mid-exchange (closed early, a malformed HTTP answer)."""


class Unsendable(ExchangeFailed):
    """The request cannot be put on the wire (e.g. a header value HTTP does not allow)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _Deadline(threading.local):
    """The deadline of the exchange in flight in the calling thread (each thread sending with
    ``--concurrency`` has its own); every socket operation asks it for its timeout."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.seconds = 0.0

    def timeout(self, wanted: float | None) -> float:
        if self.at is None:
            return wanted if wanted is not None else CONNECT_TIMEOUT
        left = self.at - time.monotonic()
        if left <= 0:
            raise AnswerTooSlow(f"did not answer completely within {self.seconds:g} s")
        return left if wanted is None else min(wanted, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        upgraded = self._inner.start_tls(
            ssl_context, server_hostname, self._deadline.timeout(timeout)
        )
        return _Stream(upgraded, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, with every timeout cut to the request's deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._deadline.timeout(timeout), local_address, socket_options
        )
        return _Stream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, self._deadline.timeout(timeout))
        return _Stream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class BoundedHttp:
    """A keep-alive connection pool whose every exchange is bounded in time and size."""

    def __init__(
        self,
        *,
        context: ssl.SSLContext,
        max_response_bytes: int,
        timeout_s: float,
        server_name: str | None = None,
        connections: int = 1,
    ) -> None:
        """``context`` from ``replcheck.conformance.transport.tls.client_context``; ``server_name``
        (Vault's ``VAULT_TLS_SERVER_NAME``) is sent as SNI and checked against the certificate
        instead of the URL's host. ``connections``: how many threads send at once
        (``--concurrency``); the pool keeps that many connections (httpcore's pool is thread-safe),
        each exchange's
        deadline is its thread's own."""
        self._connections = max(connections, _DEFAULT_CONNECTIONS)
        self.max_response_bytes = max_response_bytes
        self._extensions: dict[str, Any] = {"timeout": {"connect": CONNECT_TIMEOUT}}
        if server_name:
            self._extensions["sni_hostname"] = server_name
        self.timeout_s = timeout_s
        self._deadline = _Deadline()
        self._context = context
        self._pools: dict[str | None, httpcore.ConnectionPool] = {}
        self._pools_lock = threading.Lock()

    def _pool(self, url: httpx.URL) -> httpcore.ConnectionPool:
        proxy = proxy_for(url)
        with self._pools_lock:
            return self._pool_for(proxy)

    def _pool_for(self, proxy: str | None) -> httpcore.ConnectionPool:
        if proxy not in self._pools:
            backend = _Backend(self._deadline)
            if proxy is None:
                self._pools[proxy] = httpcore.ConnectionPool(
                    ssl_context=self._context,
                    network_backend=backend,
                    max_connections=self._connections,
                )
            else:
                self._pools[proxy] = httpcore.HTTPProxy(
                    proxy_url=proxy,
                    ssl_context=self._context,
                    network_backend=backend,
                    max_connections=self._connections,
                )
        return self._pools[proxy]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def exchange(self, request: httpx.Request) -> Answer:
        """Send ``request`` and read its whole answer within the deadline and the cap."""
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.content,
            extensions=self._extensions,
        )
        self._deadline.at = time.monotonic() + self.timeout_s
        self._deadline.seconds = self.timeout_s
        try:
            response = self._pool(url).handle_request(core_request)
            try:
                headers = tuple(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers
                )
                body = self._read(response.stream, _codings(headers))
            finally:
                response.close()
        except httpcore.ConnectTimeout:
            raise ConnectFailed(
                "no connection (TCP and TLS handshake) within "
                f"{min(CONNECT_TIMEOUT, self.timeout_s):g} s"
            ) from None
        except httpcore.TimeoutException:
            raise AnswerTooSlow(f"did not answer completely within {self.timeout_s:g} s") from None
        except httpcore.LocalProtocolError as exc:
            raise Unsendable(str(exc)) from None
        except (httpcore.ConnectError, httpcore.UnsupportedProtocol) as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise ConnectionBroke(str(exc) or type(exc).__name__) from None
        finally:
            self._deadline.at = None
        return Answer(response.status, headers, body)

    def _read(self, stream: Any, codings: list[str]) -> bytes:
        cap = self.max_response_bytes
        decoders = [_Inflater(coding, cap) for coding in codings]
        parts: list[bytes] = []
        size = 0
        for chunk in _decoded(stream, decoders):
            size += len(chunk)
            if size > cap:
                raise AnswerTooLarge(
                    f"answered a body larger than {size_text(cap)}"
                    + (" once decompressed" if decoders else "")
                    + " (the cap; raise it with --max-response-bytes)"
                )
            parts.append(chunk)
        return b"".join(parts)


def _codings(headers: tuple[tuple[str, str], ...]) -> list[str]:
    """The content codings to undo, outermost first (the header lists them innermost first)."""
    listed = [
        coding.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for coding in value.split(",")
    ]
    known = [c for c in listed if c and c != "identity"]
    if any(c not in _WBITS for c in known):
        return []  # a coding the suite cannot undo: keep the body as it came
    return list(reversed(known))


_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """One content coding undone a bounded slice at a time."""

    def __init__(self, coding: str, cap: int) -> None:
        self.coding = coding
        self._cap = cap
        self._raw_deflate_tried = False
        self._zlib = zlib.decompressobj(_WBITS[coding])

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._zlib.decompress(data, _INFLATE_SLICE)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._raw_deflate_tried:
                    # Some servers send raw deflate without the zlib header (as httpx allows).
                    self._raw_deflate_tried = True
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise AnswerUndecodable(
                    f"answered a body that is not valid {self.coding} ({exc})"
                ) from None
            self._raw_deflate_tried = True
            if out:
                yield out
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                return

    def finish(self) -> Iterator[bytes]:
        tail = self._zlib.flush(_INFLATE_SLICE)
        if tail:
            yield tail
        if not self._zlib.eof:
            raise AnswerUndecodable(f"answered a body whose {self.coding} stream is cut short")


def _decoded(stream: Iterable[bytes], decoders: list[_Inflater]) -> Iterator[bytes]:
    chunks: Iterable[bytes] = stream
    for decoder in decoders:
        chunks = _through(chunks, decoder)
    return iter(chunks)


def _through(chunks: Iterable[bytes], decoder: _Inflater) -> Iterator[bytes]:
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.finish()


def size_text(count: int) -> str:
    """A byte count as people write it: 16 MiB, 512 KiB, 1000 bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= factor and count % factor == 0:
            return f"{count // factor} {unit}"
    return f"{count} bytes"


def proxy_for(url: httpx.URL) -> str | None:
    """The proxy the environment names for ``url``, as Go's ProxyFromEnvironment picks it."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme)
    if not proxy or _proxy_bypass_environment(url.host, proxies):
        return None
    return proxy


#: ``urllib.request.proxy_bypass_environment`` (NO_PROXY), typed here: typeshed does not
#: declare it.
_proxy_bypass_environment: Callable[[str, dict[str, str]], bool] = (
    urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # not in typeshed
)
