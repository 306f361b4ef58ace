"""Which code of the reference server serves an endpoint of the requirement catalogue.

``docs/requirements.md`` names, for each requirement, the checks that enforce it and the
server behaviour they exercise; this module answers the second half from the route table
itself (its templates, operations, handlers and the flags Vault's router knows), so the index
follows the code when a route moves.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .handlers import all_routes
from .routing import Route

__all__ = ["DISPATCHER", "exercised"]

#: What answers for every path alike: Vault's HTTP checks in front of the handlers.
DISPATCHER = "`app.VaultDispatcher` (Vault's HTTP checks, before any handler)"

_OPERATION = {"GET": "read", "POST": "update", "PUT": "update", "DELETE": "delete",
              "LIST": "list", "PATCH": "patch"}


def _flags(route: Route) -> str:
    flags = [name for name, on in (("sudo", route.sudo),
                                    ("unauthenticated", route.unauthenticated),
                                    ("Enterprise only", route.enterprise_only)) if on]
    return f" ({', '.join(flags)})" if flags else ""


def _served(method: str, path: str, routes: list[Route]) -> list[str]:
    logical = path.lstrip("/")
    matched = [r for r in routes if fnmatchcase(r.template, logical)]
    if not matched:
        return [DISPATCHER]
    out: list[str] = []
    for route in matched:
        operations = sorted(route.operations) if method == "*" else [_OPERATION.get(method, "")]
        for operation in operations:
            handler = route.handlers.get(operation)
            if handler is None:
                continue
            module = handler.__module__.removeprefix(__package__ + ".")
            out.append(f"`{route.template}` {operation} → `{module}.{handler.__name__}`"
                       f"{_flags(route)}")
    if method == "*" or not out:
        out.append(DISPATCHER)
    return out


def exercised(endpoint: str) -> list[str]:
    """The routes (template, operation, handler, flags) an endpoint such as
    ``GET /sys/replication/status`` reaches; ``"*"`` and paths no route serves are the
    dispatcher's. Several endpoints may be given, separated by commas."""
    routes = all_routes()
    out: list[str] = []
    for part in endpoint.split(","):
        method, _, path = part.strip().partition(" ")
        for line in _served(method, path, routes) if path else [DISPATCHER]:
            if line not in out:
                out.append(line)
    return out
