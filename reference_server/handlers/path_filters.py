"""``sys/replication/performance/{primary,secondary}/…-filter/:id``: paths and dynamic filters.

A performance primary keeps, for each secondary id, a paths filter (``mode`` ``allow`` or
``deny``, default ``allow``, and the mount ``paths``): read, create/update, delete, with the
ordinary ACL (the docs ask no sudo for them). The dynamic filter lists the cluster's mounts
that the filter keeps from that secondary: on the primary for any id, on a performance
secondary for the id whose filter the topology copied to it. Elsewhere the server answers
``400 {"errors":["this cluster is not a performance primary"]}`` (or ``… secondary``); Vault's
own text for that case is not public.
"""

from __future__ import annotations

from ..conventions.errors import VaultError
from ..path_filters import ALLOW, MODES
from ..routing import Reply, Request, Route
from ..status_values import PERFORMANCE, PRIMARY, SECONDARY

__all__ = ["ROUTES"]

_BASE = "sys/replication/performance/"


def _require_mode(request: Request, mode: str) -> None:
    if request.core.replication.modes()[PERFORMANCE] != mode:
        raise VaultError(400, f"this cluster is not a performance {mode}")


def filter_exists(request: Request) -> bool:
    return request.core.path_filters.get(request.variables["id"]) is not None


def read_filter(request: Request) -> Reply:
    _require_mode(request, PRIMARY)
    entry = request.core.path_filters.get(request.variables["id"])
    if entry is None:
        raise VaultError(404)
    return Reply(data={"mode": entry.mode, "paths": list(entry.paths)})


def write_filter(request: Request) -> Reply:
    _require_mode(request, PRIMARY)
    mode = request.params.get("mode") or ALLOW
    if mode not in MODES:
        raise VaultError(400, f'invalid mode {mode!r}: mode must be "allow" or "deny"')
    request.core.path_filters.set(request.variables["id"], mode, request.params.get("paths", []))
    request.core.replication.record_write(replicated=False)
    return Reply()


def delete_filter(request: Request) -> Reply:
    _require_mode(request, PRIMARY)
    if request.core.path_filters.delete(request.variables["id"]):
        request.core.replication.record_write(replicated=False)
    return Reply()


def _dynamic(request: Request) -> Reply:
    core = request.core
    return Reply(data=core.path_filters.dynamic(request.variables["id"], core.mounts))


def read_primary_dynamic(request: Request) -> Reply:
    _require_mode(request, PRIMARY)
    return _dynamic(request)


def read_secondary_dynamic(request: Request) -> Reply:
    _require_mode(request, SECONDARY)
    return _dynamic(request)


ROUTES = [
    Route(_BASE + "primary/paths-filter/:id",
          {"read": read_filter, "update": write_filter, "delete": delete_filter},
          fields={"id": "string", "mode": "string", "paths": "string_list"},
          exists=filter_exists, enterprise_only=True),
    Route(_BASE + "primary/dynamic-filter/:id", {"read": read_primary_dynamic},
          fields={"id": "string"}, enterprise_only=True),
    Route(_BASE + "secondary/dynamic-filter/:id", {"read": read_secondary_dynamic},
          fields={"id": "string"}, enterprise_only=True),
]
