"""A performance primary's paths filters: which mounts reach each performance secondary.

``sys/replication/performance/primary/paths-filter/:id`` sets, for one secondary id, a mode
(``allow``: only the listed mounts replicate to it; ``deny``: every mount but those) and a list
of mount paths. ``allows(secondary_id, path)`` answers whether a write at ``path`` reaches that
secondary. The system's own mounts (``sys/``, ``auth/token/``, ``identity/``, ``cubbyhole/``)
are not mounts an operator filters: they always pass (Vault's filters take secret and auth
mounts and namespaces). A secondary without a filter gets everything.

The dynamic filter (``…/dynamic-filter/:id``) is what the filter excludes among the mounts
that exist, computed when read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ALLOW", "DENY", "MODES", "PathFilter", "PathFilters"]

ALLOW, DENY = "allow", "deny"
MODES = (ALLOW, DENY)
#: Mounts every cluster has and no paths filter applies to.
SYSTEM_MOUNTS = ("sys/", "auth/token/", "identity/", "cubbyhole/")


def _as_mount(path: str) -> str:
    return path if path.endswith("/") else path + "/"


@dataclass(frozen=True)
class PathFilter:
    mode: str
    paths: tuple[str, ...]

    def covers(self, path: str) -> bool:
        """Whether one of the filter's mount paths holds ``path``."""
        target = _as_mount(path)
        return any(target.startswith(_as_mount(mount)) for mount in self.paths if mount)

    def passes(self, path: str) -> bool:
        if _as_mount(path).startswith(SYSTEM_MOUNTS):
            return True
        return self.covers(path) == (self.mode == ALLOW)


class PathFilters:
    """The filters by secondary id; safe to share between request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._filters: dict[str, PathFilter] = {}

    def get(self, secondary_id: str) -> PathFilter | None:
        with self._lock:
            return self._filters.get(secondary_id)

    def set(self, secondary_id: str, mode: str, paths: Iterable[str]) -> PathFilter:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        entry = PathFilter(mode, tuple(paths))
        with self._lock:
            self._filters[secondary_id] = entry
        return entry

    def delete(self, secondary_id: str) -> bool:
        with self._lock:
            return self._filters.pop(secondary_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._filters.clear()

    def allows(self, secondary_id: str, path: str) -> bool:
        """Whether a write at ``path`` on the primary reaches the secondary ``secondary_id``."""
        entry = self.get(secondary_id)
        return entry is None or entry.passes(path)

    def dynamic(self, secondary_id: str, mounts: Iterable[str]) -> dict[str, list[str]]:
        """The mounts among ``mounts`` that the secondary's filter keeps from it (no
        namespaces here: the list of filtered namespaces is always empty)."""
        entry = self.get(secondary_id)
        filtered = [] if entry is None else sorted(
            _as_mount(m) for m in mounts if not entry.passes(m)
        )
        return {"dynamic_filtered_mounts": filtered, "dynamic_filtered_namespaces": []}
