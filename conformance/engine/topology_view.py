"""What the reports show of a replication set: each cluster, each link with its health and
timeline, and what could not be paired (``RunResult.topology``).

Plain data, made by ``replcheck.conformance.topology.view.topology_view`` from a topology
judgement (which also re-exports these names). They live here, in the run's layer, because
``RunResult`` carries them and the topology layer sits above the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Health = Literal["healthy", "failing", "unjudged"]
#: One read of a link: (read_at in epoch seconds, the secondary's ``state``, its
#: ``connection_state``), as the secondary's section of that mode showed it.
TimelineEntry = tuple[float, str, str]


@dataclass(frozen=True)
class ClusterView:
    """One cluster as its last read showed it."""

    name: str
    url: str | None
    #: mode (``dr``, ``performance``) -> ``primary``, ``secondary`` or ``disabled``.
    roles: dict[str, str]
    #: ``sys/health``'s version, when read.
    version: str | None
    #: One sentence: why the cluster could not be read (unreachable, 5xx ...).
    error: str | None


@dataclass(frozen=True)
class LinkView:
    """One primary-secondary link of one mode."""

    label: str
    mode: str
    primary: str
    secondary: str
    #: failing if any of its results failed, unjudged if none judged, else healthy.
    health: Health
    #: The requirement ids that failed on this link.
    failed: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]

    @property
    def state(self) -> str:
        """The secondary's state at the last read (empty before any)."""
        return self.timeline[-1][1] if self.timeline else ""

    @property
    def connection(self) -> str:
        """The secondary's connection state at the last read (empty before any)."""
        return self.timeline[-1][2] if self.timeline else ""


@dataclass(frozen=True)
class TopologyView:
    """The set: clusters in read order, links, and one sentence per unpaired cluster."""

    clusters: tuple[ClusterView, ...]
    links: tuple[LinkView, ...]
    unpaired: tuple[str, ...]

    def link(self, label: str) -> LinkView | None:
        """The link a per-link result names (``CheckResult.name``), if it is one."""
        return next((link for link in self.links if link.label == label), None)
