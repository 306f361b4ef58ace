"""One HTTP/1.1 connection of the reference server: parser, header-read timeout, framing errors.

The parser is zttp (uvicorn's ``http="zttp"``, a Zig core): it is as fast as httptools and,
unlike httptools, passes extension methods such as Vault's ``LIST`` (and any other token) to the
application, which answers an unknown one 405 ``{"errors":[]}`` as Vault does.

On top of uvicorn's protocol, mostly what Go's ``net/http`` server does for Vault:

* **Header-read timeout** (Vault's ``http_read_header_timeout``, 10 s by default): a request's
  head must be complete within that time of its first byte (of the accept, for the first
  request), or the connection is closed without an answer. Many clients that trickle headers
  cannot pin the server.
* **Whole-request read timeout** (Vault's ``http_read_timeout``, 30 s by default, Go's
  ``ReadTimeout``): the body must have arrived within that time of the head's first byte. When
  it has not, a body read still in progress fails as in Go, with ``read tcp A->B: i/o timeout``
  (the app answers it 400 where Vault answers 500, as for every broken body), and the
  connection closes after the answer; a request already answered only has its connection
  closed. A client that sends a head and one byte of a long body cannot hold a connection.
* **Malformed requests are answered like Go**: ``400 Bad Request`` as plain text with
  ``Connection: close``, never a traceback, and counted in the server's ``MalformedRequestLog``
  (a warning at most once a minute, each one at debug level). A framing error in
  a body the application has already answered (a 403 sent without reading the body, then a bad
  chunk) only closes the connection: the client already has its answer, and a second response
  on the same request would be garbage to it. A framing error (or an EOF) in a body the
  application reads fails that read with Go's reason, which the app answers as Vault does
  (500 ``{"errors":["unexpected EOF"]}``); then the connection closes.
* **Absolute-form targets** (``GET http://host/v1/x``) are served as their path, as Go does.
* **One write per answer**: uvicorn writes a response's head and body separately; the writes of
  one event-loop step are joined, which saves a system call per request.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any
from urllib.parse import unquote

import zttp
from uvicorn.protocols.http.zttp_impl import ZttpProtocol

from .conventions.bodies import BODY_READ_ERROR
from .malformed_log import MalformedRequestLog

__all__ = [
    "DEFAULT_READ_HEADER_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "VaultHttpProtocol",
    "protocol_class",
]

#: Vault's default ``http_read_header_timeout``.
DEFAULT_READ_HEADER_TIMEOUT = 10.0

#: Vault's default ``http_read_timeout``: the whole request, body included.
DEFAULT_READ_TIMEOUT = 30.0

#: What Go's ``net/http`` writes for a request it cannot parse (then it closes the connection).
#: The first bytes of a TLS record carrying a handshake (a ClientHello): type 22, version 3.x.
_TLS_HANDSHAKE = b"\x16\x03"
_BAD_REQUEST = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n400 Bad Request"
)


#: How long Go keeps reading (and dropping) a connection's input after its plain 400
#: (net/http's ``rstAvoidanceDelay``).
_LINGER_SECONDS = 0.5

#: Scope key the protocol sets, to Go's reason, when the request's body could not be read
#: (broken framing, or an EOF before its end) while the app handled it.
_BODY_ERROR = "replcheck.body_error"


class _BodyErrorAware:
    """The app, with a ``receive`` that reports a disconnect once the body could not be read.

    uvicorn's cycle can only say "disconnected" by also dropping what the app sends; this lets
    the app's body read fail, with Go's reason under ``BODY_READ_ERROR``, while its answer
    still goes out, as in Go, with ``Connection: close``.
    """

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def guarded_receive() -> Any:
            if _BODY_ERROR not in scope:
                message = await receive()
                if _BODY_ERROR not in scope:
                    return message
            return {"type": "http.disconnect", BODY_READ_ERROR: scope[_BODY_ERROR]}

        async def closing_send(message: Any) -> None:
            if _BODY_ERROR in scope and message["type"] == "http.response.start":
                # Go says so on an answer after which it closes the connection.
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, guarded_receive, closing_send)


class _CoalescingTransport:
    """A connection's transport whose writes within one event-loop step go out as one.

    uvicorn writes a response's head and body separately, each a system call; joined, an
    answer costs one. The join happens at the end of the step (``call_soon``) or when the
    connection closes, so the bytes and their order are unchanged.
    """

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            # Closing here means lost (``close`` flushes first): nobody to deliver to.
            if not self._transport.is_closing():
                self._transport.write(data)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class VaultHttpProtocol(ZttpProtocol):
    """uvicorn's zttp protocol: Go's read timeouts, quiet framing errors, joined writes."""

    #: Seconds a request head may take from its first byte; set by ``protocol_class``.
    read_header_timeout: float = DEFAULT_READ_HEADER_TIMEOUT
    #: Seconds the whole request (head and body) may take from its first byte; 0: no limit.
    read_timeout: float = DEFAULT_READ_TIMEOUT
    #: The server's count of malformed requests (one per protocol class, so per server).
    malformed_requests: MalformedRequestLog = MalformedRequestLog()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # True from the accept (and from the end of each response) until a request head has
        # been parsed: bytes arriving then belong to a head that must finish in time.
        self._awaiting_head = True
        # No byte of the pending head has arrived yet (its first bytes are looked at once).
        self._head_empty = True
        # When the pending head's first byte arrived (the accept, for the first request).
        self._head_started: float | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        # The read deadline of the request whose body is still arriving.
        self._body_timer: asyncio.TimerHandle | None = None
        self._input_broken = False
        self.app = _BodyErrorAware(self.app)

    # --- connection life -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._head_begins()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_clock()
        self._stop_body_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._input_broken:  # nothing after a framing error can be parsed
            return
        if self._awaiting_head and self._head_started is None:
            self._head_begins()
        if self._head_empty:
            self._head_empty = False
            if data.startswith(_TLS_HANDSHAKE) and self.scheme == "http":
                # A TLS client on the plain-HTTP port: Go answers its ClientHello at once with
                # the plain 400, so the client learns the port does not speak TLS.
                self.handle_remote_protocol_error()
                return
        scope = self.scope
        try:
            super().data_received(data)
        except (zttp.ProtocolError, UnicodeDecodeError):
            # A request target zttp accepts but is not ASCII (uvicorn decodes it as ASCII), or
            # a parser state uvicorn did not expect: the client sent something unparseable.
            self.handle_remote_protocol_error()
            return
        if self.scope is not scope:
            self._head_received()

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows True
        """The client half-closed: answer the request in flight, as Go does, then close.

        uvicorn closes at once, dropping the answer the app is about to send. A body that the
        EOF cuts short fails the app's read (like a framing error); a request head it cuts
        short, or a connection with nothing in flight, is closed.
        """
        # An answer written in this loop step must go out before the transport closes itself.
        self.transport.flush()  # type: ignore[attr-defined]
        cycle = self.cycle
        if cycle is None or cycle.response_complete or self.transport.is_closing():
            return None
        if self.scheme == "https":  # TLS transports close on EOF whatever this returns
            return None
        cycle.keep_alive = False
        if cycle.more_body:
            scope: Any = cycle.scope
            scope[_BODY_ERROR] = "unexpected EOF"
            cycle.message_event.set()
        self._input_broken = True
        return True

    def on_response_complete(self) -> None:
        scope = self.scope
        self._awaiting_head = True
        self._head_empty = True
        super().on_response_complete()  # may parse a pipelined request already received
        if self.scope is not scope:
            self._head_received()

    def handle_remote_protocol_error(self) -> None:
        self._stop_header_clock()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or (cycle.response_complete and not cycle.more_body):
            # The error is in a request head: nothing was answered yet.
            self._note_malformed("unparseable request head, answered 400")
            self.transport.write(_BAD_REQUEST)
            self._input_broken = True
            self._linger_then_close()
        elif cycle.response_started:
            # In the body of a request already answered: the client has its answer.
            self._note_malformed("broken body framing after the answer, closed")
            self.transport.close()
        else:
            # In the body of a request the app is handling: as in Go, its body read fails
            # (a disconnect), it still answers, and the connection closes after the answer.
            self._note_malformed("broken body framing, read failed")
            # Called while the parser's exception is being handled: its text is the reason.
            error = sys.exc_info()[1]
            reason = str(error) if isinstance(error, zttp.ProtocolError) else ""
            self._fail_body_read(cycle, reason or "malformed chunked encoding")

    def _fail_body_read(self, cycle: Any, reason: str) -> None:
        """The app's read of ``cycle``'s body fails with Go's ``reason``; its answer still
        goes out, then the connection closes (nothing after this point can be parsed)."""
        cycle.scope[_BODY_ERROR] = reason
        cycle.keep_alive = False
        cycle.message_event.set()
        self._input_broken = True
        self.flow.pause_reading()

    def _unsupported_upgrade_warning(self) -> None:
        """An ``Upgrade`` header is ignored, as Go's server under Vault does, at debug level:
        uvicorn writes one or two warning lines for each, which any client could trigger."""
        self.logger.debug("Upgrade header ignored; the request is served as plain HTTP.")

    def _note_malformed(self, kind: str) -> None:
        self.malformed_requests.note(kind, self.logger, self.loop)

    def _linger_then_close(self) -> None:
        """Close as Go does after its plain 400: half-close, drop what still arrives for up to
        half a second, then close. Closed at once, a socket with request bytes still arriving
        (the rest of an over-long head) answers them with a reset, and the client, still
        writing, fails with 'connection reset by peer' before it reads the 400."""
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(_LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    # --- header-read timeout ---------------------------------------------------------------
    # A request only records when its head began; one timer per connection checks that time
    # and re-arms itself for what is left, so a keep-alive request costs no timer of its own.

    def _head_begins(self) -> None:
        self._head_started = self.loop.time()
        if self._header_timer is None and self.read_header_timeout > 0:
            self._header_timer = self.loop.call_later(
                self.read_header_timeout, self._check_header_deadline
            )

    def _head_received(self) -> None:
        started = self._head_started
        self._awaiting_head = False
        self._head_started = None
        self._stop_body_clock()
        cycle = self.cycle
        if self.read_timeout > 0 and cycle is not None and cycle.more_body:
            # Go's ReadTimeout counts from the head's first byte; the body is still arriving.
            deadline = (self.loop.time() if started is None else started) + self.read_timeout
            self._body_timer = self.loop.call_at(deadline, self._check_body_deadline, cycle)
        raw_path = self.scope["raw_path"]
        if raw_path[:1] != b"/" and b"://" in raw_path[:8]:
            self._use_path_of_absolute_form(raw_path)

    def _use_path_of_absolute_form(self, target: bytes) -> None:
        """``GET http://host/v1/x HTTP/1.1`` means ``/v1/x``, as Go's ``net/http`` reads it.

        A proxy-style (absolute-form) request target reaches the app as its path alone; the
        parser passes the whole target on. OpenBao answers both forms alike.
        """
        authority_and_path = target.split(b"://", 1)[1]
        slash = authority_and_path.find(b"/")
        raw_path = authority_and_path[slash:] if slash >= 0 else b"/"
        path = raw_path.decode("ascii")
        self.scope["raw_path"] = raw_path
        self.scope["path"] = unquote(path) if "%" in path else path

    def _stop_header_clock(self) -> None:
        self._head_started = None
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _check_header_deadline(self) -> None:
        self._header_timer = None
        started = self._head_started
        if started is None or self.transport.is_closing():
            return
        left = started + self.read_header_timeout - self.loop.time()
        if left > 0:
            self._header_timer = self.loop.call_later(left, self._check_header_deadline)
            return
        self.logger.debug("Request head not received within %gs; connection closed.",
                          self.read_header_timeout)
        self.transport.close()


    # --- whole-request read timeout ---------------------------------------------------------

    def _stop_body_clock(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _check_body_deadline(self, cycle: Any) -> None:
        self._body_timer = None
        if cycle is not self.cycle or not cycle.more_body or self.transport.is_closing():
            return  # the body arrived in time, or the connection is gone
        self.logger.debug("Request body not received within %gs; connection closed.",
                          self.read_timeout)
        if cycle.response_complete:
            self.transport.close()  # answered without reading the body: nothing to wait for
        elif cycle.response_started:
            cycle.keep_alive = False  # the answer is on its way: close after it
            self._input_broken = True
        else:
            self._fail_body_read(cycle, _timeout_reason(cycle.scope))


def _timeout_reason(scope: Any) -> str:
    """Go's text for a read past the deadline: ``read tcp LOCAL->REMOTE: i/o timeout``."""
    return f"read tcp {_address(scope.get('server'))}->{_address(scope.get('client'))}: i/o timeout"


def _address(pair: Any) -> str:
    if not pair:
        return "unknown"
    host, port = pair[0], pair[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def protocol_class(
    read_header_timeout: float = DEFAULT_READ_HEADER_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> type[ZttpProtocol]:
    """The protocol class uvicorn instantiates per connection: one per server, with these
    timeouts and its own count of malformed requests.

    ``0`` turns a timeout off. As in Go, a head with no header timeout of its own has the
    whole-request timeout (``ReadHeaderTimeout`` defaults to ``ReadTimeout``).
    """
    header_timeout = float(read_header_timeout) or float(read_timeout)
    return type("VaultHttpProtocol", (VaultHttpProtocol,), {
        "read_header_timeout": header_timeout,
        "read_timeout": float(read_timeout),
        "malformed_requests": MalformedRequestLog(),
    })
