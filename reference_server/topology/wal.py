"""A cluster's write-ahead log: every write it commits, as an operation a secondary can replay.

Every write a cluster makes to its replicated data (policies, the ``secret/`` KV mount, tokens,
a secondary's wipe) is one ``Operation`` and one ``WalEntry``. A secondary replays its
primary's entries in order, the ones of its mode's tree only: a performance secondary takes the
entries marked ``performance`` (policies, KV), a DR secondary takes every entry (tokens too).
Replaying an entry is a write of the secondary's own, so it enters the secondary's log in turn:
a DR secondary of a performance secondary (D of C) replays C's log, which holds what C got
from its primary and C's own local writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..acl import PolicyStore, TokenEntry, TokenStore, token_hash

__all__ = [
    "KvDelete",
    "KvPut",
    "Mark",
    "Operation",
    "PolicyDelete",
    "PolicyPut",
    "ReplicatedData",
    "TokenPut",
    "TokenRevoke",
    "WalEntry",
    "WalLog",
    "Wipe",
]


@dataclass
class ReplicatedData:
    """What a cluster replicates: its policies, its ``secret/`` data and its tokens (the
    cluster's own stores), and the one token a wipe keeps, its dev root token."""

    policies: PolicyStore
    tokens: TokenStore
    root_token: str
    kv: dict[str, dict[str, Any]] = field(default_factory=dict)

    def clear_tokens(self) -> None:
        self.tokens.clear(keep=token_hash(self.root_token))


class Operation(Protocol):
    """One write to a cluster's replicated data."""

    @property
    def performance(self) -> bool:
        """Whether performance replication ships it (tokens are local to a performance
        cluster; DR replication ships everything)."""
        ...

    def apply(self, data: ReplicatedData) -> None:
        """Make the write on a cluster's data (the cluster's node logs it)."""
        ...


@dataclass(frozen=True)
class PolicyPut:
    name: str
    text: str
    performance: bool = True

    def apply(self, data: ReplicatedData) -> None:
        data.policies.put(self.name, self.text)


@dataclass(frozen=True)
class PolicyDelete:
    name: str
    performance: bool = True

    def apply(self, data: ReplicatedData) -> None:
        data.policies.delete(self.name)


@dataclass(frozen=True)
class KvPut:
    path: str
    data: dict[str, Any]
    performance: bool = True

    def apply(self, data: ReplicatedData) -> None:
        data.kv[self.path] = dict(self.data)


@dataclass(frozen=True)
class KvDelete:
    path: str
    performance: bool = True

    def apply(self, data: ReplicatedData) -> None:
        data.kv.pop(self.path, None)


@dataclass(frozen=True)
class TokenPut:
    entry: TokenEntry
    performance: bool = False

    def apply(self, data: ReplicatedData) -> None:
        data.tokens.insert(self.entry)


@dataclass(frozen=True)
class TokenRevoke:
    key: bytes
    performance: bool = False

    def apply(self, data: ReplicatedData) -> None:
        data.tokens.revoke_key(self.key)


@dataclass(frozen=True)
class Wipe:
    """A secondary's data cleared before it takes its primary's (``secondary/enable``).

    ``tokens``: tokens go too (a DR secondary, whose tokens are its primary's). The cluster's
    own dev root token always stays (see docs/topology.md). Local to the cluster that wipes,
    so its DR secondary, which replays everything, wipes too.
    """

    tokens: bool
    performance: bool = False

    def apply(self, data: ReplicatedData) -> None:
        data.policies.clear()
        data.kv.clear()
        if self.tokens:
            data.clear_tokens()


@dataclass(frozen=True)
class Mark:
    """A write that changes no replicated data (``recover``, ``sys/rotate``): it still takes
    a WAL index, so a caught-up secondary's ``last_remote_wal`` reaches the primary's."""

    performance: bool = True

    def apply(self, data: ReplicatedData) -> None:
        return None


@dataclass(frozen=True)
class WalEntry:
    """One committed write: the cluster's WAL index after it, its performance WAL index (``None``
    for a write performance replication does not ship), and when it was made."""

    index: int
    performance_index: int | None
    time: float
    op: Operation


@dataclass
class WalLog:
    """A cluster's entries, oldest first."""

    entries: list[WalEntry] = field(default_factory=list)

    def append(self, entry: WalEntry) -> None:
        self.entries.append(entry)

    def __len__(self) -> int:
        return len(self.entries)
