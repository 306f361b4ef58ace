"""A replication link: one secondary streaming one mode's tree from its primary.

Nothing runs in the background. A link holds a few facts (when it was set up, when it last
(re)connected, how far the secondary has replayed the primary's log, whether it was cut) and
everything else is a function of those facts, the faults and the clock, computed when a
cluster is read: the secondary's state goes ``merkle-diff`` → ``merkle-sync`` → ``stream-wals``
in fixed short durations after enable, a reconnection or a reindex; in ``stream-wals`` it
replays each entry of its primary's log ``lag_seconds`` after the primary wrote it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ..status_values import DR, IDLE, READY, STREAM_WALS, TRANSIENT_FAILURE
from .faults import FaultSet, LinkFaults

__all__ = ["MERKLE_DIFF", "MERKLE_SYNC", "Link", "NetworkSettings"]


@dataclass(frozen=True)
class NetworkSettings:
    """How fast the links move: a primary's write reaches a streaming secondary after
    ``lag_seconds``; after enable, a reconnection or a reindex the secondary spends
    ``merkle_diff_seconds`` in ``merkle-diff`` and ``merkle_sync_seconds`` in ``merkle-sync``."""

    lag_seconds: float = 0.05
    merkle_diff_seconds: float = 0.05
    merkle_sync_seconds: float = 0.05


class Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)

MERKLE_DIFF = "merkle-diff"
MERKLE_SYNC = "merkle-sync"


@dataclass
class Link(Generic[N]):
    """``secondary`` replicates ``mode`` from ``primary``; ``fault_set`` and ``settings`` are
    the network's."""

    mode: str
    primary: N
    secondary: N
    secondary_id: str
    fault_set: FaultSet
    settings: NetworkSettings
    #: When ``secondary/enable`` (or ``update-primary``) made the link.
    created: float
    #: When the stream last (re)started its merkle diff: enable, reconnection, reindex.
    started: float
    #: Entries of the primary's log the secondary has replayed.
    applied: int = 0
    #: The primary's WAL index (of this mode) of the last entry streamed since ``created``.
    streamed_wal: int = 0
    #: Why the link no longer carries anything (``revoked``, ``primary-gone``), and since when.
    cut: str | None = None
    cut_at: float = 0.0

    @property
    def faults(self) -> LinkFaults:
        return self.fault_set.for_link(self.secondary.name, self.mode)

    def connected(self) -> bool:
        return self.cut is None and self.faults.partitioned_since is None

    def disconnected_since(self) -> float:
        """The moment the link stopped heartbeating (valid when not ``connected``)."""
        since = self.cut_at if self.cut is not None else self.faults.partitioned_since
        return since if since is not None else self.started

    def phase(self, now: float) -> str:
        """The secondary's ``state`` at ``now``."""
        if not self.connected():
            return IDLE
        settings = self.settings
        elapsed = max(0.0, now - self.started)
        diff, sync = settings.merkle_diff_seconds, settings.merkle_sync_seconds
        if self.faults.merkle_loop:
            period = diff + sync
            position = elapsed - math.floor(elapsed / period) * period if period else 0.0
            return MERKLE_DIFF if position < diff else MERKLE_SYNC
        if elapsed < diff:
            return MERKLE_DIFF
        if elapsed < diff + sync:
            return MERKLE_SYNC
        return STREAM_WALS

    def next_change(self, now: float) -> float:
        """When ``phase`` next changes by itself (``inf``: not before something happens)."""
        if not self.connected():
            return math.inf
        diff, sync = self.settings.merkle_diff_seconds, self.settings.merkle_sync_seconds
        elapsed = max(0.0, now - self.started)
        if self.faults.merkle_loop:
            period = diff + sync
            if not period:
                return math.inf
            cycles = math.floor(elapsed / period)
            position = elapsed - cycles * period
            boundary = diff if position < diff else period
            return self.started + cycles * period + boundary
        if elapsed < diff:
            return self.started + diff
        if elapsed < diff + sync:
            return self.started + diff + sync
        return math.inf

    def connection_state(self) -> str:
        return READY if self.connected() else TRANSIENT_FAILURE

    def streaming(self, now: float) -> bool:
        """Whether entries flow now: connected, in ``stream-wals``, and not stalled."""
        return self.phase(now) == STREAM_WALS and not self.faults.stalled

    def reconnect(self, now: float) -> None:
        """Start over from the merkle diff (recover, reindex, a healed partition)."""
        self.started = now

    def ships(self, performance_index: int | None) -> bool:
        """Whether an entry with this performance index belongs to the link's tree."""
        return self.mode == DR or performance_index is not None
