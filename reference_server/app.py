"""The ASGI application: Vault's request checks, in Vault's order, in front of the handlers.

Order of checks for every request, as Vault's HTTP layer and core apply them (Go's ``net/http``
and ``cleanhttp`` wrappers first, then ``http/logical.go``, then the core's request handling):

1. a non-printable character in the decoded path → bare 400 (no body, no headers);
2. a path that Go's path cleaning changes (``.``, ``..``, ``//``) → 307 to the clean path;
   outside ``/v1/`` → 404 ``{"errors":[]}``;
   on a DR secondary (``core.refuse_as_dr_secondary``), a path it does not serve → 400
   ``path disabled in replication DR secondary mode`` (``dr_secondary`` says why here);
3. paths with their own HTTP handler (``sys/health``, ``sys/seal-status``, ...) answer here
   (those that take a body read it themselves: the DR operation token generation);
4. method → operation: unknown method → 405 ``{"errors":[]}``; ``?list=`` not a boolean → 400;
   PATCH without ``application/merge-patch+json`` → 400/415; LIST and ``?list=true`` append
   ``/`` to the path; the body of POST/PUT/PATCH is read (over ``max_request_bytes`` → 413)
   and parsed as a form or JSON (→ 400); other methods never read the body;
5. a ``.``/``..`` segment left after decoding (``%2e``) → 400 ``relative paths not supported``;
   a write to a path ending in ``/`` → 400; OPTIONS → 400 (an internal-only operation);
6. authentication and ACL, unless the route is unauthenticated (403); sudo where the route
   (or, for a root path served by no route, the route table) says so;
7. routing: unknown path → 404, known path without this operation → 405;
8. field types (400), then the handler; unknown parameters earn Vault's warning.

On authenticated paths Vault wraps the access and routing errors in its multierror text
(``1 error occurred:\n\t* permission denied\n\n``); unauthenticated paths and handler
errors are not wrapped.

Routing and access control read the same decoded path string, so no spelling of a path reaches
a handler without the checks of its clean form.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette

from replcheck.spec.domains import lenient_bool

from .config import ServerConfig
from .conventions.asgi import Receive, Send
from .conventions.bodies import parse_body, parse_json_object, read_body
from .conventions.envelope import envelope, request_id, send_response, unrecognized_warning
from .conventions.errors import HttpAnswer, VaultError, error_body, multierror, redirect
from .conventions.paths import clean_path, decode_path, is_relative_path, request_target_path
from .conventions.tokens import get_token
from .core import VaultCore
from .dr_secondary import DR_SECONDARY_REFUSAL, served_on_dr_secondary
from .field_decoding import parse_fields
from .handlers import ROOT_PATHS_WITHOUT_ROUTE, all_routes
from .handlers.docs_page import DOCS_PATH, serve_docs
from .routing import Reply, Request, Route, RouteTable

__all__ = ["VaultDispatcher", "create_app"]

Scope = MutableMapping[str, Any]

log = logging.getLogger("replcheck.reference_server")
access_log = logging.getLogger("replcheck.reference_server.access")

_OPERATIONS = {"GET": "read", "POST": "update", "PUT": "update", "DELETE": "delete",
               "LIST": "list", "HEAD": "header", "PATCH": "patch", "OPTIONS": "options"}
_MERGE_PATCH = "application/merge-patch+json"
_PERMISSION_DENIED = "permission denied"
#: Vault >= 1.16 names both reasons when the token is unknown, expired or revoked.
_INVALID_TOKEN = multierror("permission denied", "invalid token")
_FORM = "application/x-www-form-urlencoded"


class VaultDispatcher:
    """Raw ASGI callable answering every path under the app, Vault style."""

    def __init__(self, core: VaultCore) -> None:
        self.core = core
        self.routes = RouteTable(all_routes(), ROOT_PATHS_WITHOUT_ROUTE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        if scope["path"] == DOCS_PATH:
            await serve_docs(scope, send)
            return
        started = time.perf_counter()
        trace: list[str] = []
        try:
            status, body = await self._handle(scope, receive, trace)
        except HttpAnswer as answer:
            await _send_http_answer(send, answer, scope["method"])
            return
        except VaultError as exc:
            status, body = exc.status, error_body(exc.messages)
        except Exception:
            # Defence in depth: answer like Vault does on an internal error, and log the
            # exception without request headers or bodies (tokens never reach the log).
            log.exception("internal error while handling %s %s", scope["method"],
                          trace[0] if trace else "-")
            status, body = 500, error_body(["internal error"])
        if scope["method"] == "HEAD":
            body = None
        await send_response(send, status, body)
        if access_log.isEnabledFor(logging.INFO):
            # Only the route template is logged: request paths and queries are client text.
            access_log.info("%s %s %d %.1fms", scope["method"], trace[0] if trace else "-", status,
                            (time.perf_counter() - started) * 1000)

    async def _handle(
        self, scope: Scope, receive: Receive, trace: list[str]
    ) -> tuple[int, bytes | None]:
        """Answer one request; ``trace`` receives the matched route template for the logs."""
        method = scope["method"]
        raw_path = scope.get("raw_path")
        escaped = request_target_path(
            raw_path.decode("latin-1") if raw_path else scope["path"]
        )
        path = decode_path(escaped)
        if not path.isprintable():
            raise HttpAnswer(400, [])  # Go's printable-path check: no body, no headers
        cleaned = clean_path(escaped)
        if cleaned != escaped:
            query = scope.get("query_string", b"").decode("latin-1")
            raise redirect(method, cleaned + ("?" + query if query else ""))
        if not path.startswith("/v1/"):
            raise VaultError(404)
        logical = path[4:]
        if self.core.refuse_as_dr_secondary and not served_on_dr_secondary(logical):
            raise VaultError(400, DR_SECONDARY_REFUSAL)
        route_match = self.routes.match(logical)
        if route_match is not None and route_match[0].dedicated:
            trace.append(route_match[0].template)
            return await self._dedicated(scope, receive, route_match[0], method)
        operation = _OPERATIONS.get(method)
        if operation is None:
            raise VaultError(405)
        query = scope.get("query_string", b"")
        data: dict[str, Any] | None = _parse_query(query) if query else None
        if method == "GET" and data is not None and "list" in data and _list_flag(data.pop("list")):
            operation = "list"
        if operation == "list" and not logical.endswith("/"):
            logical += "/"
        if operation == "patch":
            data = await self._parse_patch(scope, receive)
        elif operation == "update":
            content_type = _header(scope, b"content-type")
            data = parse_body(await self._read_body(scope, receive, content_type), content_type)
        if is_relative_path(logical):
            raise VaultError(400, "relative paths not supported")
        if operation in ("update", "patch") and logical.endswith("/"):
            raise VaultError(400, "cannot write to a path ending in '/'")
        if operation == "options":
            raise VaultError(400, "cannot handle internal-only request operation")
        matched = self.routes.match(logical)
        route = matched[0] if matched else None
        if route is not None:
            trace.append(route.template)
        request = Request(self.core, logical, operation, {}, matched[1] if matched else {})
        # A DR operation token in the body authorises these on a DR secondary, not a client
        # token (the handler checks it, and refuses them on any other cluster).
        unauthenticated = route is not None and (route.unauthenticated or route.dr_operation_token)
        if not unauthenticated:
            self._authorize(scope, request, route)
        if route is None:
            raise VaultError(404, _unsupported_path_message(logical))
        handler = route.handlers.get(operation)
        if handler is None:
            message = "unsupported operation"
            raise VaultError(405, message if unauthenticated else multierror(message))
        if route.enterprise_only and self.core.community:
            raise VaultError(404, "enterprise-only feature")
        unknown: list[str] = []
        if route.mount is not None:
            params = dict(data or {})
        else:
            params, unknown = parse_fields(data, route.fields)
        request.params = params
        for name, value in request.variables.items():
            params[name] = value
        if self.core.replication.refresh is not None:
            self.core.replication.advance()  # what the cluster's primary sent has arrived
        reply = handler(request)
        return self._render(reply, route, unknown)

    async def _read_body(
        self, scope: Scope, receive: Receive, content_type: str | None
    ) -> bytes:
        """The whole body; past the size limit, 413 with the parser's error text.

        Vault reads the body only while parsing it, through Go's size-limited reader: the
        parser fails, and Vault turns the status of that failure into 413 while keeping the
        parser's message (``error parsing JSON``, or ``error parsing form data``).
        """
        try:
            return await read_body(receive, self.core.config.max_request_bytes,
                                   _content_length(scope))
        except VaultError as exc:
            if exc.status == 413:
                form = (content_type or "").split(";", 1)[0].strip().lower() == _FORM
                raise VaultError(
                    413, "error parsing form data" if form else "error parsing JSON"
                ) from None
            raise

    async def _parse_patch(self, scope: Scope, receive: Receive) -> dict[str, Any] | None:
        """PATCH needs Go's ``mime.ParseMediaType`` to accept the type, and JSON merge patch."""
        content_type = _header(scope, b"content-type")
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if not media:
            raise VaultError(400, "mime: no media type")
        if media != _MERGE_PATCH:
            raise VaultError(
                415, f"PATCH requires Content-Type of {_MERGE_PATCH}, provided {media}"
            )
        return parse_json_object(await self._read_body(scope, receive, content_type))

    async def _dedicated(
        self, scope: Scope, receive: Receive, route: Route, method: str
    ) -> tuple[int, bytes | None]:
        """A path Vault serves with its own HTTP handler: the methods it serves (GET, and HEAD
        where served; PUT/POST and DELETE for some), any other 405 ``{"errors":[]}``."""
        if method == "HEAD" and route.head:
            method = "GET"
        operation = {"GET": "read", "PUT": "update", "POST": "update",
                     "DELETE": "delete"}.get(method)
        handler = route.handlers.get(operation) if operation else None
        if handler is None or operation is None:
            raise VaultError(405)
        query = scope.get("query_string", b"")
        data = _parse_query(query) if query and operation == "read" else None
        params, _ = parse_fields(data, route.fields)
        if route.json_body and operation == "update":
            params["raw_body"] = await self._read_body(scope, receive, "application/json")
        reply = handler(Request(self.core, route.template, operation, params, {}))
        return self._render(reply, route, [])

    def _authorize(self, scope: Scope, request: Request, route: Route | None) -> None:
        """403 unless the token is live and its ACL grants the operation (and sudo if needed)."""
        token = get_token(scope["headers"])
        if token is None:
            raise VaultError(403, _PERMISSION_DENIED)
        entry = self.core.tokens.lookup(token)
        if entry is None:
            raise VaultError(403, _INVALID_TOKEN)
        request.token, request.token_value = entry, token
        if entry.is_root:
            return
        operation = request.operation
        if operation == "update" and route is not None and route.exists is not None:
            operation = "update" if route.exists(request) else "create"
        acl = self.core.policies.acl(entry.policies)
        sudo = self.routes.needs_sudo(request.path, route)
        if not acl.allows(request.path, operation, sudo=sudo):
            raise VaultError(403, multierror(_PERMISSION_DENIED))
        self.core.tokens.use(entry)

    @staticmethod
    def _render(reply: Reply, route: Route, unknown: list[str]) -> tuple[int, bytes | None]:
        if reply.raw is not None:
            return reply.status, reply.raw
        if reply.empty:
            return 204, None
        warnings = list(reply.warnings)
        if unknown:
            warnings.append(unrecognized_warning(unknown))
        body = envelope(
            request_id(),
            data=reply.data,
            data_json=reply.data_json,
            warnings=warnings,
            auth=reply.auth,
            mount_type=route.mount_type,
            top_level=reply.top_level,
            wrap_info=reply.wrap_info,
        )
        return reply.status, body


def _parse_query(query: bytes) -> dict[str, Any]:
    """Query parameters as Vault passes them to a handler: one value → string, more → list."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key in out:
            previous = out[key]
            out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out


def _list_flag(value: Any) -> bool:
    """``?list=`` takes Go's ``strconv.ParseBool`` values; anything else is a bad request."""
    if isinstance(value, list):
        value = value[0]
    decoded = lenient_bool(value)  # a query value is a string: the spec's string forms
    if decoded is None:
        raise VaultError(400)
    return decoded


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


async def _send_http_answer(send: Send, answer: HttpAnswer, method: str) -> None:
    headers = [*answer.headers, (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else answer.body})


def _unsupported_path_message(path: str) -> str:
    if path.startswith(("sys/", "auth/token/")):
        return multierror("unsupported path")
    return f'no handler for route "{path}". route entry not found.'


def create_app(
    config: ServerConfig | None = None, *, clock: Callable[[], float] | None = None
) -> Starlette:
    """The reference server as a Starlette app; its state is ``app.state.vault``.

    ``clock`` (seconds since the epoch) replaces ``time.time`` so tests can step a reindex or
    a heartbeat without sleeping.
    """
    core = VaultCore(config or ServerConfig(), clock=clock)
    app = Starlette()
    # The dispatcher answers every request, whatever its target: also an absolute-form target
    # (``GET http://host/v1/...``), whose ASGI path does not start with ``/``.
    app.router.default = VaultDispatcher(core)
    app.state.vault = core
    return app
