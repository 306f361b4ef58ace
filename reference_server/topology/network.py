"""The network between clusters: who is reachable at which address, the links, the faults.

A secondary finds its primary the way a real one does: by the API address the activation token
carries (or ``primary_api_addr``), and, for ``update_primary_addrs``, by cluster address. There
is no hidden endpoint: the lookup is this network's, in the process. Every cluster of a network
shares one re-entrant lock, so an operation that touches several clusters never interleaves
with a read of any of them.
"""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar

from .faults import FaultSet
from .link import Link, NetworkSettings

__all__ = ["Member", "Network", "NetworkSettings"]


class Member(Protocol):
    """What the network needs of a cluster (``node.ClusterNode``)."""

    @property
    def name(self) -> str: ...

    @property
    def api_address(self) -> str: ...

    @property
    def cluster_address(self) -> str: ...

    def now(self) -> float: ...

    def touch(self) -> None: ...


M = TypeVar("M", bound=Member)


def _normal(address: str) -> str:
    return address.strip().rstrip("/").lower()


class Network(Generic[M]):
    """The clusters one process serves together (a standalone cluster is a network of one)."""

    def __init__(self, settings: NetworkSettings | None = None) -> None:
        self.settings = settings or NetworkSettings()
        self.lock = threading.RLock()
        self.nodes: list[M] = []
        self.links: list[Link[M]] = []
        self.faults = FaultSet()
        #: Counts every change on the network (a write, an operation, a fault): a cluster's
        #: computed status holds while the epoch is the same (``ClusterNode.refresh``).
        self.epoch = 0

    def add(self, node: M) -> None:
        """Make ``node`` reachable on this network (``ClusterNode.join`` calls it)."""
        with self.lock:
            if node not in self.nodes:
                self.nodes.append(node)

    def by_api_address(self, address: str) -> M | None:
        wanted = _normal(address)
        for node in self.nodes:
            if _normal(node.api_address) == wanted:
                return node
        return None

    def by_cluster_address(self, address: str) -> M | None:
        wanted = _normal(address)
        for node in self.nodes:
            if _normal(node.cluster_address) == wanted:
                return node
        return None

    def by_name(self, name: str) -> M | None:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    def downstream(self, node: M, mode: str) -> list[Link[M]]:
        return [link for link in self.links if link.primary is node and link.mode == mode]

    def add_fault(self, kind: str, cluster: str, mode: str | None = None,
                  value: str | None = None) -> None:
        """Inject a fault now (``faults`` says what each one does)."""
        with self.lock:
            node = self.by_name(cluster)
            now = node.now() if node is not None else 0.0
            self.faults.add(kind, cluster, mode, value, now)
            if node is not None:
                node.touch()

    def lift_fault(self, kind: str, cluster: str, mode: str | None = None) -> bool:
        """Lift a fault; a partitioned, stalled or looping link reconnects from the merkle diff."""
        with self.lock:
            lifted = self.faults.remove(kind, cluster, mode)
            node = self.by_name(cluster)
            if lifted and node is not None:
                now = node.now()
                for link in self.links:
                    if link.secondary is node and (mode is None or link.mode == mode):
                        link.reconnect(now)
                node.touch()
            return lifted
