"""One cluster's side of replication: its roles in each mode, its data and WAL, and the
operations of ``sys/replication/{dr,performance}/{primary,secondary}/*``.

Every ``VaultCore`` has a node (``core.node``), so a standalone ``replcheck serve`` can become
a primary too. A mode stays as the server's starting state (``--state``) said until an
operation touches it; from then on the node computes that section from its role, its links and
the clock on every read (``refresh``), and the status is never stored.

Each operation checks everything before it changes anything: a refused request leaves every
cluster exactly as it was.
"""

from __future__ import annotations

import base64
import math
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..acl import token_hash
from ..conventions.errors import VaultError
from ..replication import Peer
from ..status_values import DISABLED, DR, PERFORMANCE, PRIMARY, RUNNING, SECONDARY
from . import activation
from .activation import ActivationRecord, InvalidActivationToken
from .cluster_core import ClusterCore
from .link import Link
from .network import Network
from .trees import tree_root
from .wal import KvDelete, KvPut, Operation, ReplicatedData, WalEntry, WalLog, Wipe

__all__ = ["DEFAULT_TOKEN_TTL", "INVALID_TOKEN", "ClusterNode", "Role", "label"]

#: ``secondary-token``'s default ``ttl``: 30 minutes.
DEFAULT_TOKEN_TTL = 30 * 60
INVALID_TOKEN = "error unwrapping secondary token: wrapping token is not valid or does not exist"
_UNAVAILABLE = "Vault will be unavailable for a brief period and will resume service shortly."


def label(mode: str) -> str:
    return "DR" if mode == DR else "performance"


@dataclass
class Role:
    """What a cluster is in one mode, once an operation has touched that mode."""

    kind: str = DISABLED
    cluster_id: str = ""
    #: Primary: the address given at enable time. Secondary: the one its activation carried.
    primary_cluster_addr: str = ""
    #: Primary: its activation tokens by secondary id (``known_secondaries``, in order).
    records: dict[str, ActivationRecord] = field(default_factory=dict)
    #: Secondary: the link to its primary (``None``: idle, never connected or cleared).
    upstream: Link[ClusterNode] | None = None
    secondary_id: str = ""
    known_primary_cluster_addrs: list[str] | None = None
    #: Peers of the server's starting state, kept as they were (never live).
    static_peers: list[Peer] = field(default_factory=list)


class ClusterNode:
    """A cluster as its peers see it: addresses, roles, replicated data, WAL."""

    def __init__(self, core: ClusterCore, name: str = "standalone") -> None:
        self.core = core
        self.name = name
        self.data = ReplicatedData(core.policies, core.tokens, core.root_token)
        self.log = WalLog()
        self.roles: dict[str, Role] = {}
        self.public_keys: set[str] = set()
        #: The key this cluster signs its activation tokens with.
        self.signing_key = secrets.token_bytes(32)
        self._data_version = 0
        self._roots: tuple[int, dict[str, tuple[str, str]]] = (-1, {})
        self._snapshot: Any = None
        #: The network's epoch and the time until which the last refresh holds.
        self._valid: tuple[int, float] = (-1, 0.0)
        self._refreshing = False
        self.network: Network[ClusterNode] = Network()
        self.join(self.network)

    def join(self, network: Network[ClusterNode]) -> None:
        """Make this cluster reachable on ``network``, sharing its lock from now on."""
        network.add(self)
        self.network = network
        self.core.replication.share_lock(network.lock)

    def now(self) -> float:
        return self.core.clock()

    @property
    def kv(self) -> dict[str, dict[str, Any]]:
        """The ``secret/`` mount's data, by path."""
        return self.data.kv

    # --- identity ------------------------------------------------------------------------------

    @property
    def api_address(self) -> str:
        return str(self.core.api_address)

    @property
    def cluster_address(self) -> str:
        return str(self.core.cluster_address)

    # --- data ----------------------------------------------------------------------------------

    def record(self, op: Operation) -> None:
        """Log a write a handler has just made on this cluster (it enters the WAL)."""
        replication = self.core.replication
        with replication.lock:
            replication.record_write(replicated=op.performance)
            self._append(op, self.core.clock())

    def _append(self, op: Operation, when: float) -> None:
        replication = self.core.replication
        self.log.append(WalEntry(
            replication.wal, replication.performance_wal if op.performance else None, when, op
        ))
        self._data_version += 1
        self.network.epoch += 1

    def _replay(self, op: Operation, when: float) -> None:
        """A write that came from this cluster's primary: made, counted and logged here."""
        op.apply(self.data)
        replication = self.core.replication
        replication.wal += 1
        if op.performance:
            replication.performance_wal += 1
        self._append(op, when)

    def merkle_root(self, mode: str) -> str:
        """The root of ``mode``'s tree, kept until the data or the set's id changes."""
        version, roots = self._roots
        if version != self._data_version:
            roots = {}
            self._roots = (self._data_version, roots)
        cluster_id = self.roles[mode].cluster_id if mode in self.roles else ""
        cached = roots.get(mode)
        if cached is not None and cached[0] == cluster_id:
            return cached[1]
        own = token_hash(self.core.root_token)
        tokens = [e.key for e in self.core.tokens.entries() if e.key != own]
        root = tree_root(mode, cluster_id, self.core.policies.items(), self.kv,
                         tokens if mode == DR else None)
        roots[mode] = (cluster_id, root)
        return root

    # --- roles ---------------------------------------------------------------------------------

    def role(self, mode: str) -> Role:
        """The live role in ``mode``, or the one the starting state describes (taken over by
        ``_keep`` only when an operation changes it: a refused request leaves the starting
        state's section as it was)."""
        role = self.roles.get(mode)
        if role is None:
            section = self.core.replication.sections[mode]
            role = Role(
                kind=section.mode,
                cluster_id=section.cluster_id,
                primary_cluster_addr=section.primary_cluster_addr,
                secondary_id=section.secondary_id,
                known_primary_cluster_addrs=section.known_primary_cluster_addrs,
                static_peers=list(section.peers),
            )
            if section.mode == PRIMARY:
                now = self.core.clock()
                for peer in section.peers:
                    role.records[peer.node_id] = ActivationRecord(
                        peer.node_id, mode, activation.new_jti(), "", now, 0, used=True
                    )
        return role

    def _keep(self, mode: str, role: Role) -> None:
        """``role`` is the live one of ``mode`` from now on."""
        self.roles[mode] = role
        self.core.replication.refresh = self.refresh

    def touch(self) -> None:
        """Something outside the node changed (a fault): the next read recomputes."""
        self._snapshot = None
        self.network.epoch += 1
        if self.roles:
            self.core.replication.refresh = self.refresh

    # --- the live status -----------------------------------------------------------------------

    def refresh(self, now: float) -> bool:
        """Bring the live sections up to date at ``now``; ``True`` if anything changed."""
        if self._refreshing:
            return False
        epoch, until = self._valid
        if epoch == self.network.epoch and now < until:
            return False  # nothing happened on the network, and no link moves before ``until``
        self._refreshing = True
        try:
            self.catch_up(now)
            snapshot = []
            for mode, role in self.roles.items():
                snapshot.append(self._fill_section(mode, role, now))
            snapshot.append((self.core.replication.wal, self.core.replication.performance_wal))
            changed: bool = snapshot != self._snapshot
            self._snapshot = snapshot
            self._valid = (self.network.epoch, self.next_change(now))
            return changed
        finally:
            self._refreshing = False

    def next_change(self, now: float, depth: int = 0) -> float:
        """The next moment this cluster's sections change without anything happening: a link
        entering its next merkle state, or the next entry of its primary's log arriving."""
        until = math.inf
        lag = self.network.settings.lag_seconds
        for role in self.roles.values():
            link = role.upstream
            if link is None:
                continue
            until = min(until, link.next_change(now))
            entries = link.primary.log.entries
            if link.applied < len(entries):
                until = min(until, entries[link.applied].time + lag)
            if depth < 4:
                until = min(until, link.primary.next_change(now, depth + 1))
        return until

    def catch_up(self, now: float) -> None:
        """Replay what each upstream link has delivered by ``now`` (the upstream first)."""
        for role in self.roles.values():
            link = role.upstream
            if link is None or not link.streaming(now):
                continue
            upstream = link.primary
            if not upstream._refreshing:
                upstream._refreshing = True
                try:
                    upstream.catch_up(now)
                finally:
                    upstream._refreshing = False
            settings = self.network.settings
            cutoff = now - settings.lag_seconds
            stream_start = link.started + settings.merkle_diff_seconds \
                + settings.merkle_sync_seconds
            entries = upstream.log.entries
            while link.applied < len(entries) and entries[link.applied].time <= cutoff:
                entry = entries[link.applied]
                link.applied += 1
                if not link.ships(entry.performance_index) or not self._passes_filter(link, entry):
                    continue
                self._replay(entry.op, max(entry.time + settings.lag_seconds, stream_start))
                if entry.time > link.created:
                    index = entry.index if link.mode == DR else entry.performance_index
                    link.streamed_wal = index or 0

    @staticmethod
    def _passes_filter(link: Link[ClusterNode], entry: WalEntry) -> bool:
        """A performance primary's paths filter keeps some mounts' writes from a secondary."""
        op = entry.op
        if link.mode == DR or not isinstance(op, KvPut | KvDelete):
            return True
        return link.primary.core.path_filters.allows(link.secondary_id, f"secret/{op.path}")

    def _fill_section(self, mode: str, role: Role, now: float) -> tuple[Any, ...]:
        section = self.core.replication.sections[mode]
        section.mode = role.kind
        section.cluster_id = role.cluster_id if role.kind != DISABLED else ""
        section.known_secondaries = None
        section.merkle_root = None
        if role.kind == PRIMARY:
            section.primary_cluster_addr = role.primary_cluster_addr
            section.state = RUNNING
            section.peers = [*role.static_peers, *(
                self._peer(link.secondary, link, now, node_id=link.secondary_id)
                for link in self.network.downstream(self, mode)
                if link.cut is None
            )]
            section.known_secondaries = [*role.records]
            section.merkle_root = self.merkle_root(mode)
        elif role.kind == SECONDARY:
            link = role.upstream
            section.secondary_id = role.secondary_id
            section.known_primary_cluster_addrs = (
                None if role.known_primary_cluster_addrs is None
                else list(role.known_primary_cluster_addrs)
            )
            section.merkle_root = self.merkle_root(mode)
            if link is None:
                section.primary_cluster_addr = ""
                section.peers = list(role.static_peers)
            else:
                section.primary_cluster_addr = role.primary_cluster_addr
                section.peers = [self._peer(link.primary, link, now)]
                section.state = link.phase(now)
                section.connection_state = link.connection_state()
                section.last_remote_wal = link.streamed_wal
                section.last_start = link.started
        else:
            section.peers = []
        return (
            mode, section.mode, section.cluster_id, section.state, section.connection_state,
            section.last_remote_wal, section.merkle_root, section.primary_cluster_addr,
            section.secondary_id, tuple(section.known_secondaries or ()),
            tuple((p.node_id, p.connected, p.since, p.heartbeat_stopped, p.clock_skew_ms)
                  for p in section.peers),
        )

    def _peer(self, other: ClusterNode, link: Link[ClusterNode], now: float,
              node_id: str = "") -> Peer:
        interval = self.core.replication.heartbeat_interval
        faults = link.faults
        connected = link.connected()
        since = link.started
        stopped = False
        if not connected:
            since = max(link.started, math.floor(link.disconnected_since() / interval) * interval)
        elif faults.heartbeats_stopped_since is not None:
            stopped = True
            since = max(link.started,
                        math.floor(faults.heartbeats_stopped_since / interval) * interval)
        return Peer(
            api_address=other.api_address,
            cluster_address=other.cluster_address,
            node_id=node_id,
            connected=connected,
            since=since,
            clock_skew_ms=faults.clock_skew_ms,
            heartbeat_stopped=stopped,
        )

    # --- primary operations --------------------------------------------------------------------

    def enable_primary(self, mode: str, primary_cluster_addr: str = "") -> list[str]:
        with self.network.lock:
            role = self.role(mode)
            if role.kind == PRIMARY:
                raise VaultError(400, f"this cluster is already a {label(mode)} primary")
            if role.kind == SECONDARY:
                raise VaultError(
                    400, f"this cluster is a {label(mode)} secondary; promote it to make it a "
                    "primary"
                )
            self.roles[mode] = Role(PRIMARY, str(uuid.uuid4()), primary_cluster_addr)
            self.touch()
        return [f"This cluster is being enabled as a primary for replication. {_UNAVAILABLE}"]

    def _primary_role(self, mode: str) -> Role:
        role = self.role(mode)
        if role.kind != PRIMARY:
            raise VaultError(400, f"this cluster is not a {label(mode)} primary")
        return role

    def demote(self, mode: str) -> list[str]:
        """The primary becomes an idle secondary of the same ``cluster_id``."""
        with self.network.lock:
            role = self._primary_role(mode)
            now = self.core.clock()
            self._cut_downstream(mode, "primary-gone", now)
            self.roles[mode] = Role(SECONDARY, role.cluster_id, records=role.records)
            if mode == DR:
                self.core.refuse_as_dr_secondary = True
            self.touch()
        return [f"This cluster is being demoted to a replication secondary. {_UNAVAILABLE}"]

    def disable_primary(self, mode: str) -> list[str]:
        with self.network.lock:
            self._primary_role(mode)
            self._cut_downstream(mode, "primary-gone", self.core.clock())
            self.roles[mode] = Role(DISABLED)
            self.touch()
        return [f"This cluster is having replication disabled. {_UNAVAILABLE}"]

    def _cut_downstream(self, mode: str, reason: str, now: float) -> None:
        for link in self.network.downstream(self, mode):
            if link.cut is None:
                link.cut, link.cut_at = reason, now
            link.secondary.touch()

    def secondary_token(
        self, mode: str, secondary_id: str, ttl: int, public_key: str = ""
    ) -> tuple[str, ActivationRecord]:
        """A new single-use activation token for ``secondary_id`` (a new one replaces an
        unused one of the same id)."""
        with self.network.lock:
            role = self._primary_role(mode)
            if not secondary_id:
                raise VaultError(400, "missing secondary ID")
            if ttl <= 0:
                ttl = DEFAULT_TOKEN_TTL
            record = ActivationRecord(
                secondary_id, mode, activation.new_jti(),
                base64.b64encode(secrets.token_bytes(18)).decode(), self.core.clock(), ttl,
                public_key=public_key,
            )
            role.records.pop(secondary_id, None)
            role.records[secondary_id] = record
            self._keep(mode, role)
            self.touch()
            return activation.issue(self.signing_key, self.api_address, record), record

    def revoke_secondary(self, mode: str, secondary_id: str) -> None:
        with self.network.lock:
            role = self._primary_role(mode)
            if not secondary_id:
                raise VaultError(400, "missing secondary ID")
            if secondary_id not in role.records:
                raise VaultError(400, f"no secondary with ID {secondary_id!r} is known")
            del role.records[secondary_id]
            self._keep(mode, role)
            now = self.core.clock()
            for link in self.network.downstream(self, mode):
                if link.secondary_id == secondary_id and link.cut is None:
                    link.cut, link.cut_at = "revoked", now
                    link.secondary.touch()
            self.touch()

    # --- secondary operations ------------------------------------------------------------------

    def generate_public_key(self) -> str:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.public_keys.add(key)
        return key

    def _activation(
        self, mode: str, token: str, primary_api_addr: str
    ) -> tuple[ClusterNode, ActivationRecord]:
        """The primary and record ``token`` activates, checked, without using it."""
        try:
            claims = activation.claims(token)
        except InvalidActivationToken:
            raise VaultError(400, INVALID_TOKEN) from None
        address = primary_api_addr or claims["addr"]
        primary = self.network.by_api_address(address)
        if primary is None:
            raise VaultError(
                400, f"error unwrapping secondary token: could not reach the primary at {address}"
            )
        if primary is self:
            raise VaultError(400, "a cluster cannot be a secondary of itself")
        role = primary.roles.get(mode)
        now = self.core.clock()
        record = None
        if role is not None and role.kind == PRIMARY:
            record = next((r for r in role.records.values() if r.jti == claims["jti"]), None)
        if (record is None or record.mode != mode or not record.usable(now)
                or not activation.signed_by(token, primary.signing_key)
                or (record.public_key and record.public_key not in self.public_keys)):
            raise VaultError(400, INVALID_TOKEN)
        return primary, record

    def _attach(self, mode: str, primary: ClusterNode, secondary_id: str, now: float,
                cluster_id: str, *, enable: bool = True) -> Role:
        """Link this cluster to ``primary``: its replicated data wiped and replayed from the
        primary's log. ``enable``: a new secondary, whose tokens go too; a performance
        secondary pointed at another primary keeps its own (local) tokens."""
        primary_role = primary.roles[mode]
        link = Link(mode, primary, self, secondary_id, self.network.faults,
                    self.network.settings, created=now, started=now)
        self.network.links.append(link)
        role = Role(
            SECONDARY, cluster_id,
            primary_role.primary_cluster_addr or primary.cluster_address,
            upstream=link, secondary_id=secondary_id,
            known_primary_cluster_addrs=[primary.cluster_address],
        )
        self.roles[mode] = role
        self._replay_wipe(now, tokens=enable or mode == DR)
        if mode == DR:
            self.core.refuse_as_dr_secondary = True
            self.core.adopt_unseal_keys(primary.core.unseal_keys)
        primary.touch()
        self.touch()
        return role

    def _replay_wipe(self, now: float, *, tokens: bool) -> None:
        op = Wipe(tokens=tokens)
        op.apply(self.data)
        replication = self.core.replication
        replication.wal += 1
        self._append(op, now)

    def enable_secondary(self, mode: str, token: str, primary_api_addr: str = "") -> list[str]:
        with self.network.lock:
            role = self.role(mode)
            if role.kind == SECONDARY:
                raise VaultError(
                    400, f"this cluster is already a {label(mode)} secondary; use "
                    "update-primary to change its primary"
                )
            if role.kind == PRIMARY:
                raise VaultError(
                    400, f"this cluster is a {label(mode)} primary; disable {label(mode)} "
                    "replication before enabling it as a secondary"
                )
            if not token:
                raise VaultError(400, "missing secondary activation token")
            primary, record = self._activation(mode, token, primary_api_addr)
            record.used = True
            self._attach(mode, primary, record.secondary_id, self.core.clock(),
                         primary.roles[mode].cluster_id)
        return [f"This cluster is being enabled as a secondary for replication. {_UNAVAILABLE}"]

    def _secondary_role(self, mode: str) -> Role:
        role = self.role(mode)
        if role.kind != SECONDARY:
            raise VaultError(400, f"this cluster is not a {label(mode)} secondary")
        return role

    def _detach(self, role: Role) -> None:
        link = role.upstream
        if link is not None:
            if link in self.network.links:
                self.network.links.remove(link)
            link.primary.touch()
            role.upstream = None

    def promote(self, mode: str, primary_cluster_addr: str = "") -> list[str]:
        """The secondary becomes the primary of its ``cluster_id``, with the primary's
        activation records (a DR secondary mirrors its primary's replication settings)."""
        with self.network.lock:
            role = self._secondary_role(mode)
            records = dict(role.records)
            if role.upstream is not None:
                upstream_role = role.upstream.primary.roles.get(mode)
                if upstream_role is not None:
                    records = {
                        k: ActivationRecord(**vars(v)) for k, v in upstream_role.records.items()
                    }
            upstream = role.upstream.primary if role.upstream is not None else None
            self._detach(role)
            self.roles[mode] = Role(PRIMARY, role.cluster_id, primary_cluster_addr,
                                    records=records)
            if mode == DR:
                self.core.refuse_as_dr_secondary = False
                self._join_performance_set(upstream)
            self.touch()
        return [f"This cluster is being promoted to a replication primary. {_UNAVAILABLE}"]

    def _join_performance_set(self, old_primary: ClusterNode | None) -> None:
        """A promoted DR secondary whose primary was a performance primary becomes the
        performance primary of that set (same ``cluster_id``, same known secondaries); the
        performance secondaries follow it once pointed at it (update-primary)."""
        if old_primary is None:
            return
        performance = old_primary.roles.get(PERFORMANCE)
        if performance is None or performance.kind != PRIMARY:
            return
        mine = self.roles.get(PERFORMANCE)
        if mine is not None and mine.kind != DISABLED:
            return
        self.roles[PERFORMANCE] = Role(
            PRIMARY, performance.cluster_id, performance.primary_cluster_addr,
            records={k: ActivationRecord(**vars(v)) for k, v in performance.records.items()},
        )

    def disable_secondary(self, mode: str) -> list[str]:
        with self.network.lock:
            role = self._secondary_role(mode)
            self._detach(role)
            self.roles[mode] = Role(DISABLED)
            if mode == DR:
                self.core.refuse_as_dr_secondary = False
            self.touch()
        return [f"This cluster is having replication disabled. {_UNAVAILABLE}"]

    def update_primary(
        self, mode: str, token: str | None, primary_api_addr: str = "",
        update_primary_addrs: list[str] | None = None,
    ) -> list[str]:
        """Point the secondary at another primary: by a new activation token, by cluster
        addresses (keeping its id), or nowhere (a blank token clears its primary)."""
        with self.network.lock:
            role = self._secondary_role(mode)
            if token is not None and update_primary_addrs:
                raise VaultError(400, "cannot specify both token and update_primary_addrs")
            now = self.core.clock()
            if update_primary_addrs:
                primary = self._primary_at(mode, update_primary_addrs, role.secondary_id)
                self._detach(role)
                self._attach(mode, primary, role.secondary_id, now, role.cluster_id,
                             enable=False)
                return ["Updated the primary cluster addresses; the secondary reconnects."]
            if token is None:
                raise VaultError(400, "missing secondary activation token")
            if token == "":
                self._detach(role)
                self.roles[mode] = Role(SECONDARY, role.cluster_id, records=role.records)
                self.touch()
                return ["The secondary no longer has a primary; it stays a secondary, idle."]
            primary, record = self._activation(mode, token, primary_api_addr)
            record.used = True
            self._detach(role)
            self._attach(mode, primary, record.secondary_id, now,
                         primary.roles[mode].cluster_id, enable=False)
        return [
            "Vault has successfully found secondary information; it may take a while to "
            "perform setup tasks. Vault will be unavailable until these tasks and initial "
            "sync complete."
        ]

    def _primary_at(self, mode: str, addresses: list[str], secondary_id: str) -> ClusterNode:
        for address in addresses:
            node = self.network.by_cluster_address(address)
            role = node.roles.get(mode) if node is not None else None
            if node is not None and node is not self and role is not None \
                    and role.kind == PRIMARY and secondary_id in role.records:
                return node
        raise VaultError(
            400, "none of update_primary_addrs is a primary that knows this secondary"
        )

    # --- reindex and recover -------------------------------------------------------------------

    def reconnect_all(self, now: float) -> list[str]:
        """Every live link of this cluster restarts from the merkle diff (reindex, recover);
        one line per link."""
        said = []
        for mode, role in self.roles.items():
            for link in self.network.downstream(self, mode):
                if link.cut is None:
                    link.reconnect(now)
                    link.secondary.touch()
                    said.append(f"{mode}: secondary {link.secondary_id!r} resynchronises "
                                "(merkle-diff, merkle-sync, stream-wals)")
            if role.upstream is not None and role.upstream.cut is None:
                role.upstream.reconnect(now)
                said.append(f"{mode}: the stream from primary {role.primary_cluster_addr} "
                            "restarts (merkle-diff, merkle-sync, stream-wals)")
        self.touch()
        return said

    def live_modes(self) -> tuple[str, ...]:
        return tuple(self.roles)

    def modes_as(self, kind: str) -> list[str]:
        return [mode for mode, role in self.roles.items() if role.kind == kind]

