"""The replication state model: what ``sys/replication/status`` reports, and how it changes.

Nothing here is canned. The state holds a few facts (cluster ids, peers, WAL counters, the
reindex job) and the status document is computed from them and the clock on every read:

* WAL counters advance with each write the server handles and never go back. ``last_wal`` and
  ``last_dr_wal`` count every write; ``last_performance_wal`` only writes that performance
  replication ships (tokens are cluster-local, policies are replicated).
* Connected peers heartbeat every ``heartbeat_interval`` seconds; a disconnected peer keeps its
  last heartbeat and its canary age grows.
* A secondary's ``last_remote_wal`` follows its primary only while the stream runs; its merkle
  root is computed from the replicated WAL index, so an in-sync pair shows the same root. A
  secondary without a primary is idle and reports no ``last_remote_wal`` at all.
* A reindex is a job (``reindex_job``) whose stage is a function of its start time and the
  clock. Every read advances it under the lock, so a status read during a reindex always sees
  one consistent stage, and tests can drive it with a manual clock instead of sleeping.

Every read and write takes one lock and works on the live objects inside it, so concurrent
requests never observe a half-applied change.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .reindex_job import ReindexBusyError, ReindexJob
from .status_values import (
    CONNECTED,
    DISABLED,
    DISCONNECTED,
    DR,
    IDLE,
    PRIMARY,
    READY,
    RUNNING,
    SECONDARY,
    SECTIONS,
    STREAM_WALS,
    TRANSIENT_FAILURE,
)
from .status_values import IDLE as STREAM_IDLE

__all__ = [
    "NEVER_CHECKED_EPOCH",
    "Peer",
    "ReplicationState",
    "Section",
    "rfc3339",
]

#: What Vault reports in ``last_corruption_check_epoch`` before any check (Go's zero time).
NEVER_CHECKED_EPOCH = -62135596800

def rfc3339(epoch: float) -> str:
    """An RFC 3339 timestamp with an explicit zone offset, as Vault prints heartbeats."""
    return datetime.fromtimestamp(int(epoch), UTC).isoformat(timespec="seconds")


@dataclass
class Peer:
    """A connected cluster: a secondary (seen from a primary) or a primary (from a secondary)."""

    api_address: str
    cluster_address: str
    node_id: str = ""
    connected: bool = True
    #: Connected: when the connection (re)started. Disconnected: the last heartbeat seen.
    since: float = 0.0
    clock_skew_ms: int = 0
    #: Connected but no longer heartbeating: ``last_heartbeat`` stays at ``since``.
    heartbeat_stopped: bool = False


@dataclass
class Section:
    """One replication section (``dr`` or ``performance``) of the local cluster."""

    name: str
    mode: str = DISABLED
    cluster_id: str = ""
    primary_cluster_addr: str = ""
    known_primary_cluster_addrs: list[str] | None = None
    secondary_id: str = ""
    state: str = RUNNING
    connection_state: str = READY
    peers: list[Peer] = field(default_factory=list)
    #: Secondary only: WAL index received from the primary, and the primary's own index.
    last_remote_wal: int = 0
    primary_wal: int = 0
    last_start: float = 0.0
    #: Set by a topology's live link: the ids of the primary's activation tokens (else the
    #: peers' ids) and the merkle root of the replicated data (else derived from the WAL).
    known_secondaries: list[str] | None = None
    merkle_root: str | None = None

    @property
    def linked(self) -> bool:
        """A secondary with a primary to stream from. One without (never activated, demoted,
        or its primary cleared by ``update-primary``) is idle, and reports no
        ``last_remote_wal``, ``connection_state`` or ``last_start``, as Vault 1.21 does."""
        return bool(self.primary_cluster_addr)

    @property
    def streaming(self) -> bool:
        return self.state == STREAM_WALS and self.connection_state == READY


class ReplicationState:
    """The local cluster's replication facts and the operations that change them."""

    def __init__(
        self,
        sections: dict[str, Section],
        *,
        clock: Callable[[], float],
        community: bool = False,
        initial_wal: int = 0,
        reindex_stage_seconds: float = 0.03,
        heartbeat_interval: float = 2.0,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.community = community
        self.sections = sections
        self.reindex_stage_seconds = reindex_stage_seconds
        self.heartbeat_interval = heartbeat_interval
        self.wal = initial_wal
        self.performance_wal = initial_wal
        self.last_reindex_epoch = 0
        self.last_corruption_check_epoch = NEVER_CHECKED_EPOCH
        self.ssct_generation_counter = 0
        self.job: ReindexJob | None = None
        self.version = 0
        self._cache_key: tuple[int, int] | None = None
        self._cache_json = b""
        #: A topology's hook, called under the lock before every read or write: it brings the
        #: sections up to date with the links at ``now`` and says whether anything changed.
        self.refresh: Callable[[float], bool] | None = None

    def share_lock(self, lock: Any) -> None:
        """Use ``lock`` (a re-entrant lock shared by every cluster of a topology) from now on,
        so that an operation touching several clusters never interleaves with a read."""
        self._lock = lock

    @property
    def lock(self) -> Any:
        return self._lock

    # --- reads ---------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return not self.community and any(s.mode != DISABLED for s in self.sections.values())

    def status(self) -> dict[str, Any]:
        """The ``data`` member of ``sys/replication/status``, computed now."""
        with self._lock:
            return self._status_locked(self._clock())

    def status_json(self) -> bytes:
        """``status()`` encoded as compact JSON, reused while nothing observable changes."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            key = (self.version, self._tick(now))
            if self.job is None and key == self._cache_key:
                return self._cache_json
            encoded = json.dumps(self._status_locked(now), separators=(",", ":")).encode()
            self._cache_key, self._cache_json = key, encoded
            return encoded

    def section_status(self, name: str) -> dict[str, Any]:
        """One section alone, as ``sys/replication/<dr|performance>/status`` answers."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            if self.community:
                return {"mode": DISABLED}
            return self._section_json(self.sections[name], now)

    def modes(self) -> dict[str, str]:
        with self._lock:
            self._advance(self._clock())
            return {name: s.mode for name, s in self.sections.items()}

    def cluster_id(self) -> str:
        with self._lock:
            self._advance(self._clock())
            for section in self.sections.values():
                if section.cluster_id:
                    return section.cluster_id
            return ""

    def _tick(self, now: float) -> int:
        return math.floor(now / self.heartbeat_interval)

    def _heartbeat(self, peer: Peer, now: float) -> float:
        if not peer.connected or peer.heartbeat_stopped:
            return peer.since
        return max(peer.since, self._tick(now) * self.heartbeat_interval)

    def _status_locked(self, now: float) -> dict[str, Any]:
        self._advance(now)
        if self.community:
            return {"mode": DISABLED}
        return {name: self._section_json(self.sections[name], now) for name in SECTIONS}

    def _merkle_root(self, section: Section) -> str:
        if section.merkle_root is not None:
            return section.merkle_root
        index = section.last_remote_wal if section.mode == SECONDARY else (
            self.wal if section.name == DR else self.performance_wal
        )
        seed = f"{section.name}:{section.cluster_id}:{index}:{self.ssct_generation_counter}"
        return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()

    def _peer_json(self, peer: Peer, now: float, *, with_node_id: bool) -> dict[str, Any]:
        heartbeat = self._heartbeat(peer, now)
        tick_time = self._tick(now) * self.heartbeat_interval
        digest = hashlib.sha1(peer.cluster_address.encode(), usedforsecurity=False).digest()
        if peer.connected and not peer.heartbeat_stopped:
            duration_ms = 1 + digest[0] % 9
            canary_ms = 40 + digest[1] + (self._tick(now) % 7) * 13
        else:
            duration_ms = 0
            canary_ms = int(max(0.0, tick_time - heartbeat) * 1000)
        out: dict[str, Any] = {
            "api_address": peer.api_address,
            "cluster_address": peer.cluster_address,
            "connection_status": CONNECTED if peer.connected else DISCONNECTED,
            "last_heartbeat": rfc3339(heartbeat),
            "clock_skew_ms": str(peer.clock_skew_ms),
            "last_heartbeat_duration_ms": str(duration_ms),
            "replication_primary_canary_age_ms": str(canary_ms),
        }
        if with_node_id:
            out["node_id"] = peer.node_id
        return out

    def _section_json(self, section: Section, now: float) -> dict[str, Any]:
        if section.mode == DISABLED:
            return {"mode": DISABLED}
        out: dict[str, Any] = {
            "cluster_id": section.cluster_id,
            "merkle_root": self._merkle_root(section),
            "mode": section.mode,
            "primary_cluster_addr": section.primary_cluster_addr,
            "corrupted_merkle_tree": False,
            "last_corruption_check_epoch": str(self.last_corruption_check_epoch),
            "last_reindex_epoch": str(self.last_reindex_epoch),
            "ssct_generation_counter": self.ssct_generation_counter,
        }
        if section.mode == PRIMARY:
            secondaries = [self._peer_json(p, now, with_node_id=True) for p in section.peers]
            out.update(
                known_secondaries=(
                    [p.node_id for p in section.peers] if section.known_secondaries is None
                    else list(section.known_secondaries)
                ),
                last_wal=self.wal,
                last_dr_wal=self.wal,
                last_performance_wal=self.performance_wal,
                secondaries=secondaries,
                state=RUNNING,
            )
        else:
            out.update(
                known_primary_cluster_addrs=(
                    None if section.known_primary_cluster_addrs is None
                    else list(section.known_primary_cluster_addrs)
                ),
                primaries=[self._peer_json(p, now, with_node_id=False) for p in section.peers],
                secondary_id=section.secondary_id,
                state=section.state if section.linked else IDLE,
            )
            if section.linked:
                out.update(
                    last_remote_wal=section.last_remote_wal,
                    connection_state=section.connection_state,
                    last_start=rfc3339(section.last_start),
                )
        if self.job is not None:
            position = self.job.position(now)
            if position is not None:
                out.update(
                    reindex_in_progress=True,
                    reindex_stage=position[0],
                    reindex_building_progress=position[1],
                    reindex_building_total=self.job.building_total,
                )
        return out

    # --- changes -------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Finish a reindex whose time is up, and bring a topology's sections up to date
        (called under the lock before every read/write)."""
        if self.refresh is not None and self.refresh(now):
            self.version += 1
        job = self.job
        if job is None or job.position(now) is not None:
            return
        self.job = None
        finished = int(job.finish)
        self.last_reindex_epoch = max(self.last_reindex_epoch, finished)
        if job.diff:
            self.last_corruption_check_epoch = finished
        self.version += 1

    def record_write(self, *, replicated: bool = True) -> None:
        """Account for one write: it enters the local WAL and, if replicated, is shipped on."""
        with self._lock:
            self._advance(self._clock())
            self.wal += 1
            if replicated:
                self.performance_wal += 1
                for section in self.sections.values():
                    if section.mode == SECONDARY and section.primary_cluster_addr:
                        section.primary_wal += 1
                        if section.streaming:
                            section.last_remote_wal = section.primary_wal
            self.version += 1

    def advance(self) -> None:
        """Bring the state up to date with the clock (a topology's links apply what arrived)."""
        with self._lock:
            self._advance(self._clock())

    def reindex_in_progress(self) -> bool:
        with self._lock:
            self._advance(self._clock())
            return self.job is not None

    def start_reindex(self, *, diff: bool, force: bool, skip_flush: bool) -> ReindexJob:
        """Start a reindex job; ``ReindexBusyError`` if one is already running."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            if self.job is not None:
                raise ReindexBusyError()
            keys = 1024 + self.wal
            self.job = ReindexJob.plan(
                now, self.reindex_stage_seconds, keys, diff=diff, force=force,
                skip_flush=skip_flush,
            )
            self.version += 1
            return self.job

    def recover(self, *, skip: tuple[str, ...] = (), done: list[str] | None = None) -> list[str]:
        """Bring stopped streams and disconnected peers back; one warning per thing done.

        ``skip``: sections a topology's links keep (their repair is theirs, said in ``done``).
        """
        with self._lock:
            now = self._clock()
            self._advance(now)
            warnings: list[str] = list(done or ())
            for name in SECTIONS:
                if name in skip:
                    continue
                section = self.sections[name]
                if section.mode == PRIMARY:
                    warnings += self._recover_primary(section, now)
                elif section.mode == SECONDARY:
                    warnings += self._recover_secondary(section, now)
            if not self.enabled:
                return ["replication is not enabled on this cluster; there is nothing to recover"]
            if not warnings:
                warnings.append("replication is healthy; recovery found nothing to repair")
            else:
                self.version += 1
            return warnings

    def _recover_primary(self, section: Section, now: float) -> list[str]:
        warnings = []
        for peer in section.peers:
            if not peer.connected:
                peer.connected, peer.since = True, now
                warnings.append(
                    f"{section.name}: reconnected secondary {peer.node_id!r} "
                    f"({peer.cluster_address}); it is streaming WALs again"
                )
        return warnings

    def _recover_secondary(self, section: Section, now: float) -> list[str]:
        if section.streaming and all(p.connected for p in section.peers):
            return []
        if not section.primary_cluster_addr:
            return [
                f"{section.name}: this secondary has no primary to connect to; "
                "activate it with a secondary activation token first"
            ]
        before = section.state
        behind = section.primary_wal - section.last_remote_wal
        section.state, section.connection_state = STREAM_WALS, READY
        section.last_start = now
        section.last_remote_wal = section.primary_wal
        for peer in section.peers:
            peer.connected, peer.since = True, now
        return [
            f"{section.name}: restarted replication from primary "
            f"{section.primary_cluster_addr} (state was {before!r}, now {STREAM_WALS!r}; "
            f"caught up {behind} WAL entries)"
        ]

    def disconnect_peer(self, section_name: str, node_id: str | None = None) -> None:
        """Adverse state for tests and demos: a peer stops heartbeating."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            section = self.sections[section_name]
            for peer in section.peers:
                if node_id is None or peer.node_id == node_id:
                    peer.since = self._heartbeat(peer, now)
                    peer.connected = False
            self.version += 1

    def stop_stream(self, section_name: str, *, state: str = STREAM_IDLE,
                    connection_state: str = TRANSIENT_FAILURE) -> None:
        """Adverse state for tests and demos: a secondary's WAL stream stops."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            section = self.sections[section_name]
            if section.mode != SECONDARY:
                raise ValueError(f"section {section_name!r} is not a secondary")
            section.state, section.connection_state = state, connection_state
            for peer in section.peers:
                peer.since = self._heartbeat(peer, now)
                peer.connected = False
            self.version += 1
