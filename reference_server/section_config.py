"""The settings of one replication section and its peers (``dr``/``performance`` of a config).

Plain data, shared by the server's settings (``config``, which validates them and reads them
from a file) and the table of starting states (``states``, which is made of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .status_values import CONNECTED, DISABLED, READY, STREAM_WALS

__all__ = ["PeerConfig", "SectionConfig"]


@dataclass
class PeerConfig:
    """One peer of a cluster section: a secondary (of a primary) or a primary (of a secondary)."""

    api_address: str
    cluster_address: str
    node_id: str = ""
    connection_status: str = CONNECTED
    clock_skew_ms: int = 0


@dataclass
class SectionConfig:
    """One replication section (``dr`` or ``performance``) of the local cluster."""

    mode: str = DISABLED
    cluster_id: str = ""
    primary_cluster_addr: str = ""
    known_primary_cluster_addrs: list[str] | None = None
    secondary_id: str = ""
    #: Secondary stream state; ``idle`` or ``merkle-sync`` make an adverse state that
    #: ``recover`` repairs.
    state: str = STREAM_WALS
    connection_state: str = READY
    last_wal: int = 0
    peers: list[PeerConfig] = field(default_factory=list)
