"""The HTTP client of a run: every request goes through ``RecordingClient.send``.

``send`` builds the request exactly as asked (raw paths such as ``//`` or ``%72`` are kept,
after the path prefix of the target's URL, as Vault's own client keeps ``/vault`` of
``https://proxy/vault``), sends it under the run's bounds
(``replcheck.conformance.transport.bounded_http``: one deadline for the whole answer, a cap on the
decompressed body; JSON nested deeper than ``MAX_JSON_DEPTH`` is refused too), lets the per-response
judges see the raw answer (they need the run's tokens to spot one coming back), records a masked
copy of the ``Exchange`` for the reports, and returns the raw one: checks, judges and watchers
(run-wide observations such as WAL counters over time, bookkeeping requests included) judge the
exact bytes that came back, and mask only what they keep for output (``mask``). In a plan run
nothing is sent: the exchange has no response.

Once the run was asked to stop (``replcheck.conformance.concurrency.interruption``), ``send``
refuses every request but cleanup ones (``cleanup=True``), whatever swallowed the
``KeyboardInterrupt`` on the way.

``send`` may be called from several threads (``--concurrency``): the run-wide byte count is
locked, watchers see each answer at once with when it arrived (``ReceivedResponse``), and
judging and recording follow the run's order, not the threads'
(``replcheck.conformance.concurrency.recording_order``).
"""

from __future__ import annotations

import json as jsonlib
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from replcheck.conformance.concurrency import recording_order
from replcheck.conformance.concurrency.interruption import RunInterrupted, StopRequest
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport import bounded_http, tls, tls_probe
from replcheck.conformance.transport.exchange import (
    Exchange,
    ReceivedResponse,
    SentRequest,
    escaped_body,
)
from replcheck.conformance.transport.masking import Masker

#: What a judge gets: the raw exchange (secrets visible) and the tokens to look for in its
#: answer: the ones sent with this request first, then every other secret the run holds.
Observer = Callable[[Exchange, tuple[str, ...]], None]
#: What a watcher gets: every answered exchange, raw, bookkeeping requests included.
Watcher = Callable[[Exchange], None]

_USER_AGENT = "replcheck"

#: The deepest JSON nesting an answer may have. Vault's answers nest about six levels; Python's
#: parser (and every recursive walk after it) breaks near a thousand, so deeper is refused.
MAX_JSON_DEPTH = 64
#: The most JSON values (objects, arrays, members, items) one answer may hold. A status with a
#: thousand secondaries holds about 30,000; parsed, each value costs up to ~70 bytes, so this
#: keeps one parse near 15 MB whatever the body's size.
MAX_JSON_VALUES = 200_000
#: All the response bodies of a run may add up to this many times ``--max-response-bytes``
#: (64 MiB by default, where a whole run against the reference server receives about 160 KB):
#: what the run keeps for its reports stays bounded however many requests it sends.
RUN_BUDGET_FACTOR = 64


class UnsendableRequest(ValueError):
    """The request cannot be put on the wire (e.g. a header value HTTP does not allow)."""


class TargetUnreachable(Exception):
    """The target could not be reached, or answered beyond the run's bounds (too slow, too
    large, nested too deep): the run stops with this one sentence (exit 2)."""


@dataclass(frozen=True)
class Credential:
    """A token and how to send it: in ``X-Vault-Token`` or as ``Authorization: Bearer``."""

    token: str
    bearer: bool = False

    def headers(self) -> dict[str, str]:
        if self.bearer:
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-Vault-Token": self.token}

    def as_bearer(self) -> Credential:
        return replace(self, bearer=True)


class RecordingClient:
    def __init__(
        self,
        settings: Settings,
        base_url: str,
        masker: Masker,
        *,
        plan: bool,
        stop: StopRequest | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._prefix = httpx.URL(self.base_url).raw_path.rstrip(b"/")
        self.masker = masker
        self.plan = plan
        self.stop = stop if stop is not None else StopRequest()
        self.exchanges: list[Exchange] = []
        self.observers: list[Observer] = []
        self.watchers: list[Watcher] = []
        self._namespace = settings.namespace
        self._budget = settings.response_cap * RUN_BUDGET_FACTOR
        self._received = 0
        self._received_lock = threading.Lock()
        self._halted = False
        self._answered = False
        self._client_cert = settings.client_cert
        self._server_name = settings.tls_server_name
        self._http = (
            None
            if plan
            else bounded_http.BoundedHttp(
                context=tls.client_context(settings),
                server_name=settings.tls_server_name,
                max_response_bytes=settings.response_cap,
                timeout_s=settings.timeout_s,
                connections=settings.workers,
            )
        )

    def halt(self) -> None:
        """Refuse every request but cleanup from now on (a run stopping with requests of
        other threads still in flight, under ``--concurrency``)."""
        self._halted = True

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> RecordingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        credential: Credential | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        purpose: str = "",
        origin: str = "",
        operation: str | None = None,
        record: bool = True,
        cleanup: bool = False,
    ) -> Exchange:
        """Send one request; ``path`` is used verbatim (no normalisation of ``//`` or ``%xx``)
        after the target URL's own path prefix.

        ``record=False`` is for the suite's own bookkeeping (provisioning tokens, waiting for a
        reindex): such requests are neither judged nor listed in reports; watchers still see
        their answers. ``cleanup=True`` marks a request that removes what the run created: the
        only kind still sent once the run was asked to stop.
        """
        if self.stop.requested and not cleanup:
            raise RunInterrupted(self.stop.signum)
        if self._halted and not cleanup:
            raise TargetUnreachable("the run stopped: no request but cleanup is sent any more")
        all_headers: dict[str, str] = {"User-Agent": _USER_AGENT}
        if self._namespace:
            all_headers["X-Vault-Namespace"] = self._namespace
        if credential is not None:
            all_headers.update(credential.headers())
        if headers:
            all_headers.update(headers)
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        else:
            body = None
        url = httpx.URL(self.base_url + "/").copy_with(raw_path=self._prefix + path.encode("ascii"))
        if params:
            url = url.copy_merge_params(dict(params))
        try:
            request = httpx.Request(method, url, headers=all_headers, content=body)
        except (UnicodeEncodeError, ValueError, TypeError) as exc:
            raise UnsendableRequest(str(exc)) from None
        sent = SentRequest(
            method=method,
            url=str(request.url),
            headers=tuple((k, v) for k, v in all_headers.items()),
            **_shown_body(body),
        )
        response = None if self._http is None else self._exchange(request)
        raw = Exchange(sent, response, purpose=purpose, origin=origin, operation=operation)
        if response is not None:
            # At once, from the sending thread: a watcher orders answers by when they came.
            for watcher in self.watchers:
                watcher(raw)
        if record:
            given = (credential.token,) if credential is not None else ()
            tokens = tuple(dict.fromkeys(given + self.masker.secrets()))
            recording_order.after_send(lambda: self._record(raw, tokens))
        return raw

    def _record(self, raw: Exchange, tokens: tuple[str, ...]) -> None:
        """Judge a recorded exchange and keep its masked copy (in the run's order: see
        ``replcheck.conformance.concurrency.recording_order``)."""
        if raw.response is not None:
            for observer in self.observers:
                observer(raw, tokens)
        self.exchanges.append(self.mask(raw))

    def _exchange(self, request: httpx.Request) -> ReceivedResponse:
        assert self._http is not None
        started = time.perf_counter()
        where = f"{request.method} {self.masker.mask(str(request.url))}"
        try:
            answer = self._http.exchange(request)
        except bounded_http.Unsendable as exc:
            raise UnsendableRequest(str(exc)) from None
        except bounded_http.ConnectFailed as exc:
            spoken = tls_probe.probe(
                self.base_url, self._server_name, bounded_http.CONNECT_TIMEOUT
            )
            raise TargetUnreachable(_connect_reason(self.base_url, exc, spoken)) from None
        except bounded_http.ConnectionBroke as exc:
            raise TargetUnreachable(
                f"the connection to {self.base_url} broke: {str(exc).rstrip('.')}"
                + self._client_cert_hint()
            ) from None
        except bounded_http.ExchangeFailed as exc:
            raise TargetUnreachable(f"{where} {exc}") from None
        self._answered = True
        with self._received_lock:
            self._received += len(answer.body)
            received = self._received
        if received > self._budget:
            raise TargetUnreachable(
                f"{where} brought the answers of the run past "
                f"{bounded_http.size_text(self._budget)} in all ({RUN_BUDGET_FACTOR} times "
                "--max-response-bytes), where a whole run "
                "normally receives well under 1 MiB"
            )
        body = answer.body.decode("utf-8", "replace")
        depth, values = json_shape(body)
        if depth > MAX_JSON_DEPTH:
            raise TargetUnreachable(
                f"{where} answered JSON nested more than {MAX_JSON_DEPTH} levels deep, "
                "which the suite refuses to parse (Vault's answers nest about six)"
            )
        if values > MAX_JSON_VALUES:
            raise TargetUnreachable(
                f"{where} answered JSON holding more than {MAX_JSON_VALUES:,} values, "
                "which the suite refuses to parse (a status with a thousand secondaries holds "
                "about 30,000)"
            )
        received_at = time.perf_counter()
        return ReceivedResponse(
            status=answer.status,
            headers=answer.headers,
            body=body,
            elapsed_ms=(received_at - started) * 1000,
            received_at=received_at,
        )

    def _client_cert_hint(self) -> str:
        """Why a TLS target may close the connection before its first answer: under TLS 1.3
        a refused (or missing) client certificate shows only then, not in the handshake."""
        if self._answered or not self.base_url.startswith("https://"):
            return ""
        if self._client_cert is None:
            return (
                "; a target that requires a client certificate does this: pass --client-cert "
                "FILE and --client-key FILE (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY)"
            )
        return f"; the target may have refused the client certificate {self._client_cert}"

    def mask(self, exchange: Exchange) -> Exchange:
        mask = self.masker.mask
        request = exchange.request
        masked_request = SentRequest(
            method=request.method,
            url=mask(request.url),
            headers=tuple((mask(k), mask(v)) for k, v in request.headers),
            body=None if request.body is None else mask(request.body),
            body_escaped=request.body_escaped,
        )
        response = exchange.response
        masked_response = None
        if response is not None:
            masked_response = ReceivedResponse(
                status=response.status,
                headers=tuple((mask(k), mask(v)) for k, v in response.headers),
                body=mask(response.body),
                elapsed_ms=response.elapsed_ms,
                received_at=response.received_at,
            )
        return replace(exchange, request=masked_request, response=masked_response)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STRUCTURE = re.compile(r"[\[\]{},]")


def json_shape(text: str) -> tuple[int, int]:
    """How deep the brackets of a (presumed) JSON text nest, and about how many values it
    holds (containers plus separators), strings aside; no recursion, no parse."""
    if "[" not in text and "{" not in text:
        return 0, 1
    depth = deepest = values = 0
    for match in _STRUCTURE.finditer(_JSON_STRING.sub('""', text)):
        token = match.group()
        if token in "[{":
            depth += 1
            values += 1
            deepest = max(deepest, depth)
        elif token == ",":
            values += 1
        else:
            depth = max(depth - 1, 0)
    return deepest, values


def _shown_body(body: bytes | None) -> dict[str, Any]:
    """The body as reports show it: its text, or escaped when it is not UTF-8."""
    if body is None:
        return {"body": None}
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body": escaped_body(body), "body_escaped": True}


def _connect_reason(base_url: str, exc: Exception, answer: tls_probe.TlsAnswer | None) -> str:
    """One sentence on why the connection failed; certificate advice only for a server that
    speaks TLS (``answer``, from ``tls_probe``; None when it could not be told)."""
    text = str(exc)
    plain = "http://" + base_url.removeprefix("https://")
    if answer == "plain-http":
        return (
            f"{base_url} answers plain HTTP, not TLS; use --url {plain} (VAULT_ADDR), or "
            "enable TLS on the server"
        )
    if answer == "no-handshake":
        return (
            f"{base_url} does not complete a TLS handshake ({text.strip()}); if it serves "
            f"plain HTTP, use --url {plain} (VAULT_ADDR)"
        )
    if "mismatch" in text and "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            f"the TLS handshake with {base_url} failed ({text.strip()}); pass "
            "--tls-server-name NAME (VAULT_TLS_SERVER_NAME) with a name the certificate is for"
        )
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text or "certificate" in text.lower():
        return (
            f"the TLS handshake with {base_url} failed ({text.strip() or 'certificate rejected'});"
            " pass --ca-cert FILE, --ca-path DIR or --tls-skip-verify"
        )
    return f"cannot connect to {base_url}: {text.strip() or type(exc).__name__}"
