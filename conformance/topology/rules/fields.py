"""Reading the fields the relations compare: sections, peers, counters, times, hosts."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.snapshot import ClusterRead, Mode

#: Why a relation on the peer lists does not apply to a set that shows none.
PRE_LISTS = ("neither side shows the primaries/secondaries lists (Vault before 1.5): no peer "
             "to compare")


def section(read: ClusterRead, mode: Mode) -> dict[str, Any]:
    """The mode's section of ``read`` (empty when not read)."""
    return read.section(mode) or {}


def path(mode: Mode, *members: str | int) -> str:
    """The JSON path of a member of a mode's section in the status envelope."""
    tail = "".join(f"[{m}]" if isinstance(m, int) else f".{m}" for m in members)
    return f"$.data.{mode}{tail}"


def as_number(value: Any) -> float | None:
    """An integer or a decimal string (``"660"``, ``"-1"``) as a number; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_time(value: Any) -> float | None:
    """An RFC 3339 time (``2024-03-04T10:05:56-05:00``) as epoch seconds; None otherwise."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def host(address: Any) -> str | None:
    """The host of an address (``https://10.0.0.1:8201`` -> ``10.0.0.1``), lower case."""
    if not isinstance(address, str) or not address:
        return None
    try:
        parts = urlsplit(address if "//" in address else f"//{address}")
        name = parts.hostname
    except ValueError:
        return None
    return name.lower() if name else None


def peer_index(primary: dict[str, Any], secondary_id: str) -> int | None:
    """The index in the primary's ``secondaries`` of the entry for ``secondary_id``."""
    peers = primary.get("secondaries")
    if not isinstance(peers, list):
        return None
    for index, peer in enumerate(peers):
        if isinstance(peer, dict) and peer.get("node_id") == secondary_id:
            return index
    return None


def secondary_peer(primary: ClusterRead, link: Link) -> tuple[int, dict[str, Any]] | None:
    """The primary's ``secondaries[i]`` for the link's secondary, with its index."""
    found = section(primary, link.mode)
    index = peer_index(found, link.secondary_id)
    if index is None:
        return None
    entry: dict[str, Any] = found["secondaries"][index]
    return index, entry


def primary_peer(secondary: ClusterRead, mode: Mode) -> dict[str, Any] | None:
    """The secondary's ``primaries[0]`` (the primary's active node), when it has one."""
    peers = section(secondary, mode).get("primaries")
    if isinstance(peers, list) and peers and isinstance(peers[0], dict):
        first: dict[str, Any] = peers[0]
        return first
    return None


def is_idle_secondary(secondary: ClusterRead, mode: Mode) -> bool:
    """A secondary with no stream: ``idle``, or no ``last_remote_wal`` at all."""
    found = section(secondary, mode)
    return found.get("state") == "idle" or "last_remote_wal" not in found


def lists_peers(primary: ClusterRead, secondary: ClusterRead, mode: Mode) -> bool:
    """Whether either side carries the peer lists (``secondaries`` on the primary,
    ``primaries`` on the secondary): Vault before 1.5 shows neither."""
    return "secondaries" in section(primary, mode) or "primaries" in section(secondary, mode)
