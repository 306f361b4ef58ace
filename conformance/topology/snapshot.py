"""One cluster read once (``ClusterRead``), and reading it from every captured form.

Captured forms ``from_document`` accepts, told apart by their members:

- the raw HTTP envelope and the CLI's ``-format=json`` envelope:
  ``{"data": {"dr": ..., "performance": ...}, "request_id": ...}``;
- the docs' data-only form: ``{"dr": {...}, "performance": {...}}``;
- the per-mode flat form of ``sys/replication/dr/status`` or ``performance/status``
  (``{"mode": "primary", "cluster_id": ...}``, bare or in an envelope): its mode is told by a
  mode-only member (``last_dr_wal``, ``last_performance_wal``), else by the ``mode`` argument,
  else by the file's name (``*dr*`` or ``*perf*``); the other mode is then unknown, not disabled;
- the wrapper ``{"status": <any form above>, "leader": {...}, "health": {...}, "read_at": 1.5,
  "cluster": "A", "url": "https://..."}`` that holds the three reads of a cluster (what a live
  topology run saves); ``{"status": null, "error": "one sentence"}`` for a cluster that could
  not be read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Literal

__all__ = [
    "MODES", "ClusterRead", "Mode", "Round", "SnapshotError", "from_document", "offline_round",
    "read_file", "section",
]

Mode = Literal["dr", "performance"]
MODES: tuple[Mode, Mode] = ("dr", "performance")

#: The members only one mode's section carries.
_MODE_ONLY = {"last_dr_wal": "dr", "last_performance_wal": "performance"}
#: Members a replication section carries (any one of them makes a dict a flat section).
_SECTION_MEMBERS = ("mode", "cluster_id", "state", "known_secondaries", "secondary_id")


class SnapshotError(ValueError):
    """A captured document that is none of the forms ``from_document`` reads (one sentence
    naming the file)."""


@dataclass(frozen=True)
class ClusterRead:
    """One cluster read once: its replication status and what the relations need beside it."""

    #: The cluster's name (targets file, snapshot file stem, or host:port).
    cluster: str
    #: Epoch seconds of the status read (its midpoint); ``math.nan`` when an offline snapshot
    #: does not say when it was read (``read_time_known`` is then False).
    read_at: float
    #: The ``data`` of ``sys/replication/status``: ``{"dr": {...}, "performance": {...}}``;
    #: None when the cluster could not be read. A mode missing from it was not captured.
    status: dict[str, Any] | None
    #: ``sys/leader``'s body (``leader_cluster_address`` ...), when read.
    leader: dict[str, Any] | None = None
    #: ``sys/health``'s body (``version`` ...), when read.
    health: dict[str, Any] | None = None
    #: One sentence: why the cluster could not be read (unreachable, 5xx ...).
    error: str | None = None
    #: The API URL (None for an offline snapshot).
    url: str | None = None
    #: Offline: the file it came from.
    source: str | None = None

    @property
    def read_time_known(self) -> bool:
        return not math.isnan(self.read_at)

    def section(self, mode: Mode) -> dict[str, Any] | None:
        """The mode's section of the status, or None when not read or not captured."""
        return section(self.status, mode)

    def mode_of(self, mode: Mode) -> str | None:
        """The cluster's role in ``mode`` (``primary``, ``secondary``, ``disabled`` ...), or
        None when unknown."""
        found = self.section(mode)
        value = found.get("mode") if found else None
        return value if isinstance(value, str) else None


#: Every cluster read once, in read order (secondaries first in a live run).
Round = tuple[ClusterRead, ...]


def section(status: dict[str, Any] | None, mode: Mode) -> dict[str, Any] | None:
    if not isinstance(status, dict):
        return None
    found = status.get(mode)
    return found if isinstance(found, dict) else None


def _name_hint(source: str | None) -> Mode | None:
    if not source:
        return None
    words = set(re.split(r"[^a-z0-9]+", PurePath(source).stem.lower()))
    dr = "dr" in words
    perf = bool(words & {"perf", "performance"})
    if dr != perf:
        return "dr" if dr else "performance"
    return None


def _where(source: str | None, cluster: str) -> str:
    return source if source else f"the snapshot of {cluster}"


def _status(document: Any, where: str, mode: Mode | None, source: str | None) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise SnapshotError(f"{where} is not a JSON object holding a replication status")
    data = document.get("data")
    body: dict[str, Any] = data if isinstance(data, dict) else document
    if "dr" in body or "performance" in body:
        modes: dict[str, Any] = {m: body[m] for m in MODES if m in body}
        if not all(isinstance(v, dict) for v in modes.values()):
            raise SnapshotError(f"{where} has a dr or performance member that is not an object")
        return modes
    if not any(member in body for member in _SECTION_MEMBERS):
        raise SnapshotError(
            f"{where} is no replication status (no dr, performance or mode member, in the "
            "envelope's data or bare)"
        )
    told = {_MODE_ONLY[m] for m in _MODE_ONLY if m in body}
    if len(told) == 1:
        found: str | None = told.pop()
    else:
        found = mode or _name_hint(source)
    if found not in MODES:
        raise SnapshotError(
            f"{where} is one mode's status but does not say which (name the file *dr* or "
            "*perf*, or capture sys/replication/status)"
        )
    return {str(found): body}


def _optional(document: dict[str, Any], member: str, where: str) -> dict[str, Any] | None:
    value = document.get(member)
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        value = value["data"]  # read through the CLI: `vault read -format=json sys/leader`
    if not isinstance(value, dict):
        raise SnapshotError(f"{where} has a {member} member that is not an object")
    return value


def from_document(cluster: str, document: Any, *, source: str | None = None,
                  read_at: float | None = None, mode: Mode | None = None) -> ClusterRead:
    """A ``ClusterRead`` from a captured document of any form the module's docstring lists.

    ``read_at`` is used when the document does not say when it was read; ``mode`` tells the
    mode of a per-mode flat form when neither its members nor the file's name do."""
    where = _where(source, cluster)
    if isinstance(document, dict) and "status" in document:
        error = document.get("error")
        if error is not None and not isinstance(error, str):
            raise SnapshotError(f"{where} has an error member that is not a string")
        if document["status"] is None and not error:
            raise SnapshotError(f"{where} has no status and no error saying why")
        status = None if document["status"] is None else _status(
            document["status"], where, mode, source)
        named = document.get("cluster")
        if named is not None and not isinstance(named, str):
            raise SnapshotError(f"{where} has a cluster member that is not a string")
        stamp = document.get("read_at", read_at)
        if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int | float)):
            raise SnapshotError(f"{where} has a read_at that is not epoch seconds")
        return ClusterRead(
            cluster=named or cluster,
            read_at=math.nan if stamp is None else float(stamp),
            status=status,
            leader=_optional(document, "leader", where),
            health=_optional(document, "health", where),
            error=error,
            url=document.get("url") if isinstance(document.get("url"), str) else None,
            source=source,
        )
    return ClusterRead(
        cluster=cluster,
        read_at=math.nan if read_at is None else read_at,
        status=_status(document, where, mode, source),
        source=source,
    )


def read_file(path: str | Path) -> ClusterRead:
    """A captured snapshot file: the cluster is named by the file's stem unless the wrapper
    names it. ``SnapshotError`` (one sentence naming the file) when it cannot be read."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"cannot read {where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{where} is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{where} is not JSON ({exc.msg} at line {exc.lineno}, column "
                            f"{exc.colno})") from None
    return from_document(Path(path).stem, document, source=where)


def offline_round(paths: Sequence[str | Path]) -> Round:
    """One round from snapshot files, one per cluster. The read order is the files' read
    times when every file gives one (``read_at`` of the wrapper), else the order given: list
    each secondary's file before its primary's, as a live run reads them."""
    reads = [read_file(path) for path in paths]
    seen: dict[str, str] = {}
    for read in reads:
        if read.cluster in seen:
            raise SnapshotError(f"{read.source} and {seen[read.cluster]} both hold the cluster "
                                f"{read.cluster!r}: give each cluster one file")
        seen[read.cluster] = read.source or read.cluster
    if reads and all(read.read_time_known for read in reads):
        reads.sort(key=lambda read: read.read_at)
    return tuple(reads)
