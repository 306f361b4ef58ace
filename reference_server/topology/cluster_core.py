"""What a cluster's node needs of its ``VaultCore``, as a protocol: the node lives in the core
(``core.node``), so it names the core's type without importing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..acl import PolicyStore, TokenStore
from ..path_filters import PathFilters
from ..replication import ReplicationState

__all__ = ["ClusterCore"]


class ClusterCore(Protocol):
    replication: ReplicationState
    policies: PolicyStore
    tokens: TokenStore
    clock: Callable[[], float]
    root_token: str
    api_address: str
    cluster_address: str
    refuse_as_dr_secondary: bool
    path_filters: PathFilters

    @property
    def unseal_keys(self) -> tuple[str, ...]: ...

    def adopt_unseal_keys(self, keys: tuple[str, ...] | list[str]) -> None: ...
