"""The ASGI application: Vault's request checks, in Vault's order, in front of the handlers.

Order of checks for every request (``sdk/logical/response_util.go``, ``http/logical.go``):

1. path outside ``/v1/`` → 404; method → operation (unknown method → 405 ``{"errors":[]}``);
2. ``POST``/``PUT`` to a path ending in ``/`` → 400, before any authentication;
3. authentication and ACL on the cleaned path (403), unless the path is unauthenticated;
   sudo is required on root paths (``sys/replication/reindex``);
4. routing: unknown path → 404, known path without this operation → 405;
5. validation: body size (413), JSON object (400), field types (400);
6. the handler; unknown parameters earn Vault's warning when the reply has a body.

Routing and access control read the same cleaned, case-sensitive path string, so no spelling of
a path (``//``, ``/./``, ``%72``, ``..``) reaches a handler without the checks of its clean form.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.routing import Mount

from .acl import is_root_path
from .config import ServerConfig
from .core import VaultCore
from .handlers import all_routes
from .handlers.docs_page import docs_route
from .routing import Reply, Request, Route, RouteTable
from .vault_http import (
    Receive,
    Send,
    VaultError,
    clean_path,
    envelope,
    error_body,
    get_token,
    parse_fields,
    parse_json_object,
    read_body,
    send_response,
    unrecognized_warning,
)

__all__ = ["VaultDispatcher", "create_app"]

log = logging.getLogger("reference_server")
access_log = logging.getLogger("reference_server.access")

_OPERATIONS = {"GET": "read", "POST": "update", "PUT": "update", "DELETE": "delete",
               "LIST": "list", "HEAD": "read"}
_TRUE_LIST = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE_LIST = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_PERMISSION_DENIED = "permission denied"
_INVALID_TOKEN = "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"


class VaultDispatcher:
    """Raw ASGI callable answering every path under the app, Vault style."""

    def __init__(self, core: VaultCore) -> None:
        self.core = core
        self.routes = RouteTable(all_routes())

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        started = time.perf_counter()
        trace: list[str] = []
        try:
            status, body = await self._handle(scope, receive, trace)
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
        self, scope: dict[str, Any], receive: Receive, trace: list[str]
    ) -> tuple[int, bytes | None]:
        """Answer one request; ``trace`` receives the matched route template for the logs."""
        path = clean_path(scope["path"])
        if not path.startswith("/v1/"):
            raise VaultError(404)
        method = scope["method"]
        operation = _OPERATIONS.get(method)
        if operation is None:
            raise VaultError(405)
        query = scope.get("query_string", b"")
        data: dict[str, Any] | None = _parse_query(query) if query else None
        if method == "GET" and data is not None and "list" in data and _list_flag(data.pop("list")):
            operation = "list"
        logical = path[4:]
        if operation == "update" and logical.endswith("/"):
            raise VaultError(400, "cannot write to a path ending in '/'")
        if operation == "list" and logical.endswith("/"):
            logical = logical[:-1]
        matched = self.routes.match(logical)
        route = matched[0] if matched else None
        if route is not None:
            trace.append(route.template)
        request = Request(self.core, logical, operation, {}, matched[1] if matched else {})
        if method == "HEAD" and (route is None or not route.head):
            raise VaultError(405)
        if route is None or not route.unauthenticated:
            self._authorize(scope, request, route)
        if route is None:
            raise VaultError(404, _unsupported_path_message(logical))
        handler = route.handlers.get(operation)
        if handler is None:
            raise VaultError(405, "unsupported operation")
        if route.enterprise_only and self.core.community:
            raise VaultError(404, "enterprise-only feature")
        if operation == "update":
            raw = await read_body(receive, self.core.config.max_request_bytes,
                                  _content_length(scope))
            data = parse_json_object(raw)
        params, unknown = parse_fields(data, route.fields)
        request.params = params
        for name, value in request.variables.items():
            params[name] = value
        reply = handler(request)
        return self._render(reply, route, unknown)

    def _authorize(self, scope: dict[str, Any], request: Request, route: Route | None) -> None:
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
        acl_path = request.path + "/" if request.operation == "list" else request.path
        acl = self.core.policies.acl(entry.policies)
        if not acl.allows(acl_path, operation, sudo=is_root_path(request.path)):
            raise VaultError(403, _PERMISSION_DENIED)
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
            str(uuid.uuid4()),
            data=reply.data,
            data_json=reply.data_json,
            warnings=warnings,
            auth=reply.auth,
            mount_type=route.mount_type,
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
    if value in _TRUE_LIST:
        return True
    if value in _FALSE_LIST or value == "":
        return False
    raise VaultError(400, f"invalid value for 'list': {value[:40]!r}")


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _unsupported_path_message(path: str) -> str:
    if path.startswith(("sys/", "auth/token/")):
        return "unsupported path"
    return f'no handler for route "{path}". route entry not found.'


def create_app(
    config: ServerConfig | None = None, *, clock: Callable[[], float] | None = None
) -> Starlette:
    """The reference server as a Starlette app; its state is ``app.state.vault``.

    ``clock`` (seconds since the epoch) replaces ``time.time`` so tests can step a reindex or
    a heartbeat without sleeping.
    """
    core = VaultCore(config or ServerConfig(), clock=clock)
    app = Starlette(routes=[docs_route(), Mount("/", app=VaultDispatcher(core))])
    app.state.vault = core
    return app
