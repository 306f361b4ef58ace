"""Faults a topology injects, per link or per cluster (``--fault`` or the file's ``faults``).

Each fault is one deviation a topology gate must catch, seen in the status documents:

* ``partition``: the link is cut both ways. The secondary goes ``idle`` with
  ``connection_state`` ``transient_failure``, both sides show the peer ``disconnected`` with the
  last heartbeat frozen, and nothing more is replayed (merkle roots drift apart on the next
  write). Lifting it reconnects the link through ``merkle-diff`` and ``merkle-sync``.
* ``stalled-stream``: connected, heartbeating, ``stream-wals``, but no entry arrives:
  ``last_remote_wal`` stays behind the primary's WAL and the roots differ after a write.
* ``merkle-loop``: the secondary alternates ``merkle-diff`` and ``merkle-sync`` and never
  reaches ``stream-wals`` (the classic "irreconcilable" failure).
* ``stopped-heartbeats``: the peers still say ``connected`` but ``last_heartbeat`` stops moving
  on both sides and the canary age grows.
* ``clock-skew``: ``clock_skew_ms`` is the given number of milliseconds on both sides.
* ``older-version``: the cluster reports an older Vault version than its primary
  (``sys/health``, ``sys/seal-status``): a secondary must run the same or a newer version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FaultSet", "LinkFaults"]

LINK_KINDS = ("partition", "stalled-stream", "merkle-loop", "stopped-heartbeats", "clock-skew")


@dataclass(frozen=True)
class LinkFaults:
    """The faults on one link now."""

    partitioned_since: float | None = None
    stalled: bool = False
    merkle_loop: bool = False
    heartbeats_stopped_since: float | None = None
    clock_skew_ms: int = 0


NO_FAULTS = LinkFaults()


@dataclass
class _Active:
    kind: str
    cluster: str
    mode: str | None
    value: str | None
    since: float


@dataclass
class FaultSet:
    """The faults of a topology, by the secondary cluster (and mode) they concern."""

    active: list[_Active] = field(default_factory=list)

    def add(self, kind: str, cluster: str, mode: str | None, value: str | None,
            now: float) -> None:
        self.active.append(_Active(kind, cluster, mode, value, now))

    def remove(self, kind: str, cluster: str, mode: str | None = None) -> bool:
        """Lift the fault; ``True`` if there was one."""
        before = len(self.active)
        self.active = [
            f for f in self.active
            if not (f.kind == kind and f.cluster == cluster and (mode is None or f.mode == mode))
        ]
        return len(self.active) != before

    def version_of(self, cluster: str) -> str | None:
        for fault in self.active:
            if fault.kind == "older-version" and fault.cluster == cluster:
                return fault.value
        return None

    def for_link(self, cluster: str, mode: str) -> LinkFaults:
        if not self.active:
            return NO_FAULTS
        found = [
            f for f in self.active
            if f.cluster == cluster and f.kind in LINK_KINDS and f.mode in (None, mode)
        ]
        if not found:
            return NO_FAULTS
        kinds = {f.kind: f for f in found}
        partition = kinds.get("partition")
        heartbeats = kinds.get("stopped-heartbeats")
        skew = kinds.get("clock-skew")
        return LinkFaults(
            partitioned_since=partition.since if partition else None,
            stalled="stalled-stream" in kinds,
            merkle_loop="merkle-loop" in kinds,
            heartbeats_stopped_since=heartbeats.since if heartbeats else None,
            clock_skew_ms=int(skew.value or 0) if skew else 0,
        )
