"""The network between clusters: who is reachable at which address, the links, the faults.

A secondary finds its primary the way a real one does: by the API address the activation token
carries (or ``primary_api_addr``), and, for ``update_primary_addrs``, by cluster address. There
is no hidden endpoint: the lookup is this network's, in the process. Every cluster of a network
shares one re-entrant lock, so an operation that touches several clusters never interleaves
with a read of any of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .faults import FaultSet

if TYPE_CHECKING:
    from .link import Link
    from .node import ClusterNode

__all__ = ["Network", "NetworkSettings"]


@dataclass(frozen=True)
class NetworkSettings:
    """How fast the links move: a primary's write reaches a streaming secondary after
    ``lag_seconds``; after enable, a reconnection or a reindex the secondary spends
    ``merkle_diff_seconds`` in ``merkle-diff`` and ``merkle_sync_seconds`` in ``merkle-sync``."""

    lag_seconds: float = 0.05
    merkle_diff_seconds: float = 0.05
    merkle_sync_seconds: float = 0.05


def _normal(address: str) -> str:
    return address.strip().rstrip("/").lower()


class Network:
    """The clusters one process serves together (a standalone cluster is a network of one)."""

    def __init__(self, settings: NetworkSettings | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.settings = settings or NetworkSettings()
        self.lock = threading.RLock()
        self.nodes: list[ClusterNode] = []
        self.links: list[Link] = []
        self.faults = FaultSet()
        self.clock = clock

    def join(self, node: ClusterNode) -> None:
        """Make ``node`` reachable on this network (it leaves the network it was on)."""
        with self.lock:
            if node not in self.nodes:
                self.nodes.append(node)
            node.network = self
            node.core.replication.share_lock(self.lock)

    def by_api_address(self, address: str) -> ClusterNode | None:
        wanted = _normal(address)
        for node in self.nodes:
            if _normal(node.api_address) == wanted:
                return node
        return None

    def by_cluster_address(self, address: str) -> ClusterNode | None:
        wanted = _normal(address)
        for node in self.nodes:
            if _normal(node.cluster_address) == wanted:
                return node
        return None

    def by_name(self, name: str) -> ClusterNode | None:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def downstream(self, node: ClusterNode, mode: str) -> list[Link]:
        return [link for link in self.links if link.primary is node and link.mode == mode]

    def add_fault(self, kind: str, cluster: str, mode: str | None = None,
                  value: str | None = None) -> None:
        """Inject a fault now (``faults`` says what each one does)."""
        with self.lock:
            node = self.by_name(cluster)
            now = node.core.clock() if node is not None else 0.0
            self.faults.add(kind, cluster, mode, value, now)
            if node is not None:
                node.touch()

    def lift_fault(self, kind: str, cluster: str, mode: str | None = None) -> bool:
        """Lift a fault; a partitioned, stalled or looping link reconnects from the merkle diff."""
        with self.lock:
            lifted = self.faults.remove(kind, cluster, mode)
            node = self.by_name(cluster)
            if lifted and node is not None:
                now = node.core.clock()
                for link in self.links:
                    if link.secondary is node and (mode is None or link.mode == mode):
                        link.reconnect(now)
                node.touch()
            return lifted
