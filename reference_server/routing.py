"""Routes, requests and replies: the small types the dispatcher and the handlers share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .acl import TokenEntry
    from .core import VaultCore

__all__ = ["Handler", "Reply", "Request", "Route", "RouteTable"]


@dataclass
class Request:
    """One logical request after Vault's HTTP checks: decoded path, operation and parameters."""

    core: VaultCore
    path: str
    operation: str
    params: dict[str, Any]
    variables: dict[str, str]
    token: TokenEntry | None = None
    token_value: bytes | None = None


@dataclass
class Reply:
    """What a handler answers; the dispatcher wraps it in Vault's envelope.

    ``raw`` bypasses the envelope (health, the OpenAPI document); a reply with no data, no
    warnings and no auth becomes a 204 with no body, as Vault answers.
    """

    status: int = 200
    data: Any = None
    data_json: bytes | None = None
    warnings: list[str] = field(default_factory=list)
    auth: dict[str, Any] | None = None
    raw: bytes | None = None
    #: Members Vault copies to the top level of the response, beside the envelope.
    top_level: dict[str, Any] | None = None
    #: Vault's response-wrapping member (``sys/replication/*/primary/secondary-token``).
    wrap_info: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return (
            self.raw is None and self.data is None and self.data_json is None
            and not self.warnings and self.auth is None and self.wrap_info is None
        )


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    """A path template (``sys/policies/acl/:name``) and its handlers by operation.

    ``exists`` is Vault's existence check: when it says the target does not exist, a write is
    a ``create`` (and needs the ``create`` capability) rather than an ``update``.
    ``enterprise_only`` routes answer 404 ``enterprise-only feature`` on Community Edition,
    after the access checks and method routing.
    ``dedicated`` routes are served by their own HTTP handler in Vault (``sys/health``,
    ``sys/seal-status``, ...), not by the system backend: no token, no body parsing, and any
    method they do not serve is 405 ``{"errors":[]}``. ``head`` lets such a route answer HEAD.
    ``json_body``: such a route's handler decodes the body of a POST/PUT itself (Vault's
    handlers decode it into a Go struct); the raw bytes arrive as ``params["raw_body"]``.

    What Vault's router knows about the path is declared here, so the dispatcher and the ACL
    read it from the route: its operations (the keys of ``handlers``), ``sudo`` (the path is
    one of the backend's root paths, ``PathsSpecial.Root``: every operation needs the ``sudo``
    capability too) and ``unauthenticated`` (``PathsSpecial.Unauthenticated``: no token
    needed, none looked at).
    """

    template: str
    handlers: dict[str, Handler]
    fields: dict[str, str] = field(default_factory=dict)
    unauthenticated: bool = False
    sudo: bool = False
    exists: Callable[[Request], bool] | None = None
    enterprise_only: bool = False
    head: bool = False
    dedicated: bool = False
    json_body: bool = False
    #: A secrets engine's path: every body parameter is the handler's data (no field
    #: decoding, no unknown-parameter warning), and ``mount`` is the envelope's ``mount_type``.
    mount: str | None = None
    #: On a DR secondary the request is authorised by the DR operation token in its body
    #: (``dr_operation_token``), checked by the handler, instead of a client token, since a DR
    #: secondary serves no ordinary token; the route reads no client token at all, and the
    #: handler refuses it on a cluster that is not a DR secondary (the contract's
    #: ``x-vault-dr-operation-token``).
    dr_operation_token: bool = False

    @property
    def regex(self) -> re.Pattern[str] | None:
        if ":" not in self.template:
            return None
        pattern = re.sub(
            r":(\w+)", lambda m: f"(?P<{m.group(1)}>.+)", re.escape(self.template).replace(
                r"\:", ":"
            )
        )
        return re.compile(pattern + r"\Z", re.DOTALL)

    @property
    def operations(self) -> frozenset[str]:
        """The logical operations the path serves (``read``, ``update``, ``list``, ...)."""
        return frozenset(self.handlers)

    @property
    def mount_type(self) -> str:
        if self.mount is not None:
            return self.mount
        return "token" if self.template.startswith("auth/token/") else "system"


class RouteTable:
    """Exact templates in a dict, parameterised ones tried in order.

    A route that lists also matches its template with a trailing ``/`` (Vault's ``acl/?$``):
    a list request's path always ends in ``/``.

    ``root_paths_without_route`` are root paths of Vault's backends that the table serves no
    handler for (``sys/raw``, ``sys/audit/*``, ...): Vault checks sudo there before routing,
    so a token without it is refused with 403 there too rather than told 404. A pattern ending
    in ``*`` is a prefix.
    """

    def __init__(self, routes: list[Route], root_paths_without_route: tuple[str, ...] = ()) -> None:
        self._root_exact = frozenset(p for p in root_paths_without_route if not p.endswith("*"))
        self._root_prefixes = tuple(p[:-1] for p in root_paths_without_route if p.endswith("*"))
        self._exact: dict[str, Route] = {}
        self._patterns: list[tuple[re.Pattern[str], Route]] = []
        for route in routes:
            regex = route.regex
            if regex is None:
                self._exact[route.template] = route
                if "list" in route.handlers:
                    self._exact[route.template + "/"] = route
            else:
                self._patterns.append((regex, route))

    def needs_sudo(self, path: str, route: Route | None) -> bool:
        """Whether a request to ``path`` (matched to ``route``, or to none) needs sudo."""
        if route is not None:
            return route.sudo
        return path in self._root_exact or path.startswith(self._root_prefixes)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        route = self._exact.get(path)
        if route is not None:
            return route, {}
        for regex, candidate in self._patterns:
            found = regex.match(path)
            if found:
                return candidate, found.groupdict()
        return None
