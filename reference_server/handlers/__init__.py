"""Endpoint handlers, one module per area; each exports ``ROUTES``."""

from __future__ import annotations

from ..routing import Route
from . import (
    dr_operation,
    kv,
    leader,
    path_filters,
    policies,
    replication,
    replication_operations,
    system,
    tokens,
)

__all__ = ["ROOT_PATHS_WITHOUT_ROUTE", "all_routes"]

#: Root paths (``PathsSpecial.Root``) of Vault's system backend and token store that no route
#: here serves: a request there needs sudo before it is told 404, as in Vault. The routes that
#: are root paths say so themselves (``Route(sudo=True)``).
ROOT_PATHS_WITHOUT_ROUTE = (
    "sys/replication/dr/reindex",
    "sys/replication/performance/reindex",
    "sys/replication/primary/secondary-token",
    "sys/auth/*",
    "sys/remount",
    "sys/audit",
    "sys/audit/*",
    "sys/raw",
    "sys/raw/*",
    "sys/config/cors",
    "sys/config/auditing/*",
    "sys/config/ui/headers/*",
    "sys/plugins/catalog/*",
    "sys/revoke-prefix/*",
    "sys/revoke-force/*",
    "sys/leases/revoke-prefix/*",
    "sys/leases/revoke-force/*",
    "sys/leases/lookup/*",
    "auth/token/revoke-orphan",
    "auth/token/accessors/",
)


def all_routes() -> list[Route]:
    return [*replication.ROUTES, *replication_operations.ROUTES, *dr_operation.ROUTES,
            *path_filters.ROUTES, *policies.ROUTES, *tokens.ROUTES, *system.ROUTES,
            *leader.ROUTES, *kv.ROUTES]
