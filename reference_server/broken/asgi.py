"""One small ASGI middleware that turns the reference server into a broken one.

``Deviate`` buffers each HTTP request and its answer, so a deviation is two plain functions on
plain values instead of ASGI plumbing:

- ``on_request(request) -> ZooRequest | ZooResponse``: rewrite the request before the reference
  server sees it (a method, a path, a token, a body), or answer in its place;
- ``on_response(request, response) -> ZooResponse``: rewrite what the reference server answered.

Everything else is the reference server's own behaviour, so each broken server differs from a
conformant one by exactly the rule its deviation breaks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..conventions.paths import clean_path
from ..conventions.tokens import get_token

if TYPE_CHECKING:
    from ..core import VaultCore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API = "/v1/sys/replication/"
STATUS = API + "status"
#: The two families' status sections (each the matching section of STATUS, flat).
DR_STATUS = API + "dr/status"
PERFORMANCE_STATUS = API + "performance/status"
RECOVER = API + "recover"
REINDEX = API + "reindex"
WRITES = ("POST", "PUT")
JSON_HEADERS = ((b"content-type", b"application/json"), (b"cache-control", b"no-store"))


def header_value(headers: tuple[tuple[bytes, bytes], ...], name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive) in ASGI headers, or None."""
    wanted = name.lower().encode()
    for key, value in headers:
        if key == wanted:
            return value.decode("latin-1")
    return None


@dataclass(frozen=True)
class ZooRequest:
    """One buffered request, as the reference server would see it."""

    method: str
    path: str
    raw_path: bytes
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    core: VaultCore
    #: Never sent: lets a request rewrite tell the response rewrite what it did.
    memo: Any = None

    @property
    def clean(self) -> str:
        """The path as the reference server routes it (Go's ``path.Clean``)."""
        return clean_path(self.path)

    @property
    def token(self) -> str | None:
        """The token the client sent, in X-Vault-Token or as a Bearer token."""
        raw = get_token(self.headers)
        return raw.decode("latin-1") if raw is not None else None

    @property
    def token_is_live(self) -> bool:
        """Whether the token sent is one the server issued (not whether it may do anything)."""
        token = self.token
        return token is not None and self.core.tokens.lookup(token) is not None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def json(self) -> Any:
        """The body decoded as JSON; ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None

    def replace(self, **changes: Any) -> ZooRequest:
        return dataclasses.replace(self, **changes)

    def with_path(self, path: str) -> ZooRequest:
        return self.replace(path=path, raw_path=path.encode())

    def with_token(self, token: str) -> ZooRequest:
        """The same request carrying ``token`` in X-Vault-Token (any other token dropped)."""
        kept = tuple(
            (k, v) for k, v in self.headers if k not in (b"x-vault-token", b"authorization")
        )
        return self.replace(headers=(*kept, (b"x-vault-token", token.encode())))

    def as_root(self) -> ZooRequest:
        """The same request with the root token: whatever access check it faced, it passes."""
        return self.with_token(self.core.root_token)

    def without_header(self, name: bytes) -> ZooRequest:
        return self.replace(headers=tuple((k, v) for k, v in self.headers if k != name))

    def with_json(self, value: Any) -> ZooRequest:
        return self.replace(body=json.dumps(value).encode())


@dataclass(frozen=True)
class ZooResponse:
    """One buffered answer."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    #: Seconds between two bytes of the body: > 0 dribbles it out, one byte at a time, until
    #: the client hangs up.
    dribble_s: float = 0.0

    @classmethod
    def of_json(cls, status: int, value: Any) -> ZooResponse:
        return cls(status, JSON_HEADERS, json.dumps(value).encode())

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def errors(self) -> list[str] | None:
        """The messages of Vault's ``{"errors": [...]}`` body, ``None`` for any other body."""
        body = self.json()
        if self.status >= 400 and isinstance(body, dict) and isinstance(body.get("errors"), list):
            return [str(item) for item in body["errors"]]
        return None

    def replace(self, **changes: Any) -> ZooResponse:
        return dataclasses.replace(self, **changes)

    def with_json(self, value: Any) -> ZooResponse:
        return self.replace(body=json.dumps(value).encode())

    def without_header(self, name: bytes) -> ZooResponse:
        return self.replace(headers=tuple((k, v) for k, v in self.headers if k != name))

    def with_header(self, name: bytes, value: bytes) -> ZooResponse:
        return self.replace(headers=(*self.without_header(name).headers, (name, value)))


def vault_error(status: int, *messages: str) -> ZooResponse:
    """An answer in Vault's own error format: the only deviation is the status or the cause."""
    return ZooResponse.of_json(status, {"errors": list(messages)})


RequestHook = Callable[[ZooRequest], "ZooRequest | ZooResponse"]
ResponseHook = Callable[[ZooRequest, ZooResponse], ZooResponse]


def _unchanged_request(request: ZooRequest) -> ZooRequest | ZooResponse:
    return request


def _unchanged_response(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    return response


class Deviate:
    """ASGI middleware: the wrapped app, with one request or response rewrite applied."""

    def __init__(
        self,
        app: ASGIApp,
        core: VaultCore,
        *,
        on_request: RequestHook = _unchanged_request,
        on_response: ResponseHook = _unchanged_response,
    ) -> None:
        self.app = app
        self.core = core
        self.on_request = on_request
        self.on_response = on_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = ZooRequest(
            method=scope["method"],
            path=scope["path"],
            raw_path=scope.get("raw_path") or scope["path"].encode(),
            query=scope.get("query_string", b""),
            headers=tuple((bytes(k), bytes(v)) for k, v in scope["headers"]),
            body=await _read_all(receive),
            core=self.core,
        )
        outcome = self.on_request(request)
        if isinstance(outcome, ZooResponse):
            await _send(send, receive, outcome, head=request.method == "HEAD")
            return
        answer = await self._forward(scope, outcome)
        await _send(send, receive, self.on_response(outcome, answer),
                    head=outcome.method == "HEAD")

    async def _forward(self, scope: Scope, request: ZooRequest) -> ZooResponse:
        headers = [(k, v) for k, v in request.headers if k != b"content-length"]
        if request.body or request.method in WRITES:
            headers.append((b"content-length", str(len(request.body)).encode()))
        inner = dict(scope, method=request.method, path=request.path,
                     raw_path=request.raw_path, query_string=request.query, headers=headers)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, replay, collect)
        return ZooResponse(status, tuple(response_headers), b"".join(chunks))


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, receive: Receive, response: ZooResponse, *, head: bool) -> None:
    """Send ``response`` with a Content-Length that matches the (possibly rewritten) body."""
    headers = [(k, v) for k, v in response.headers if k != b"content-length"]
    if response.status != 204:
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if response.dribble_s > 0 and not head:
        await _dribble(send, receive, response.body, response.dribble_s)
        return
    await send({"type": "http.response.body", "body": b"" if head else response.body})


async def _dribble(send: Send, receive: Receive, body: bytes, pause: float) -> None:
    """One byte, then a pause, and so on; stop as soon as the client hangs up (the request
    has been read, so the next message ``receive`` gives is the disconnect)."""
    hung_up = asyncio.ensure_future(receive())
    try:
        for index in range(len(body)):
            last = index == len(body) - 1
            await send({"type": "http.response.body", "body": body[index:index + 1],
                        "more_body": not last})
            if last:
                return
            await asyncio.wait({hung_up}, timeout=pause)
            if hung_up.done():
                return
    finally:
        hung_up.cancel()
