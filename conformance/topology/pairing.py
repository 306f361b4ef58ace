"""Which clusters of a round form which links, and what cannot be paired (and why).

The rules (docs/replication-facts.md, "Identity"; docs/topology-gate.md):

- a link is a primary and a secondary *of the same mode*: the secondary's section shows the
  primary's ``cluster_id`` (a set's id: every secondary takes its primary's), and its
  ``secondary_id`` is among the primary's ``known_secondaries`` (the ids of the activation
  tokens the primary issued and did not revoke);
- a secondary whose ``cluster_id`` a primary of the round shows, but whose ``secondary_id`` that
  primary does not know, is still paired by ``cluster_id`` (so the link's other relations are
  judged) and flagged (``Link.known`` False, and an ``Unpaired`` of kind
  ``unknown-secondary-id``): TOPOLOGY-SECONDARY-KNOWN fails on it;
- a secondary whose ``cluster_id`` no primary of the round shows, but whose ``secondary_id``
  exactly one primary of the mode knows, is paired by that id (``Link.shares_cluster_id``
  False): TOPOLOGY-SHARED-CLUSTER-ID fails on it;
- what cannot be paired is classified, never an error: a secondary whose ``cluster_id`` no
  primary of the round shows (``orphan-secondary``: its primary was not read, or it belongs to
  another set); an idle secondary with no ``secondary_id`` (it never connected, or its primary
  was cleared) -- ``demoted-primary`` when it keeps the ``cluster_id`` of a set other clusters
  of the round show (a demoted primary keeps its id), else ``idle-secondary``; a primary with
  no secondary in the round (``primary-without-secondaries``: a note, not a fault).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from replcheck.conformance.topology.snapshot import MODES, ClusterRead, Mode, Round

__all__ = ["Link", "Mode", "Pairing", "Unpaired", "UnpairedKind", "pair"]

UnpairedKind = Literal["orphan-secondary", "idle-secondary", "demoted-primary",
                       "primary-without-secondaries", "unknown-secondary-id"]


@dataclass(frozen=True)
class Link:
    """A primary and one of its secondaries in one mode."""

    mode: Mode
    primary: str
    secondary: str
    cluster_id: str
    secondary_id: str
    #: False when the primary's ``known_secondaries`` does not hold ``secondary_id`` (paired by
    #: ``cluster_id`` alone).
    known: bool = True
    #: False when the secondary shows another ``cluster_id`` than the primary (paired by
    #: ``secondary_id`` alone: exactly one primary of the mode knows the id).
    shares_cluster_id: bool = True

    @property
    def label(self) -> str:
        """The name of a per-link result: ``dr: A -> B``."""
        return f"{self.mode}: {self.primary} -> {self.secondary}"


@dataclass(frozen=True)
class Unpaired:
    """A cluster's section that forms no link (or a link paired by ``cluster_id`` only)."""

    cluster: str
    mode: Mode
    kind: UnpairedKind
    why: str

    def __str__(self) -> str:
        return f"{self.cluster} ({self.mode}, {self.kind}): {self.why}"


@dataclass(frozen=True)
class Pairing:
    links: tuple[Link, ...]
    unpaired: tuple[Unpaired, ...]
    #: mode -> cluster_id -> primary cluster names, in read order.
    primary_ids: dict[str, dict[str, list[str]]]

    def primaries(self, mode: Mode) -> dict[str, list[str]]:
        """``cluster_id`` -> the names of the clusters that are ``mode`` primaries of it."""
        return {cid: list(names) for cid, names in self.primary_ids.get(mode, {}).items()}

    def links_of(self, cluster: str) -> tuple[Link, ...]:
        return tuple(link for link in self.links if cluster in (link.primary, link.secondary))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ids(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _section(read: ClusterRead, mode: Mode) -> dict[str, Any]:
    return read.section(mode) or {}


def _known(read: ClusterRead, mode: Mode) -> list[str]:
    return _ids(_section(read, mode).get("known_secondaries"))


def _mode_pairs(reads: Round, mode: Mode) -> tuple[list[Link], list[Unpaired],
                                                  dict[str, list[str]]]:
    primaries: dict[str, list[ClusterRead]] = defaultdict(list)
    secondaries: list[tuple[ClusterRead, dict[str, Any]]] = []
    for read in reads:
        found = read.section(mode)
        if not found:
            continue
        if found.get("mode") == "primary" and _text(found.get("cluster_id")):
            primaries[_text(found.get("cluster_id"))].append(read)
        elif found.get("mode") == "secondary":
            secondaries.append((read, found))
    ids_seen = set(primaries) | {
        _text(sec.get("cluster_id")) for _, sec in secondaries if _text(sec.get("secondary_id"))
    }
    links: list[Link] = []
    unpaired: list[Unpaired] = []
    for read, found in secondaries:
        cluster_id = _text(found.get("cluster_id"))
        secondary_id = _text(found.get("secondary_id"))
        if not secondary_id:
            if cluster_id and cluster_id in ids_seen:
                unpaired.append(Unpaired(
                    read.cluster, mode, "demoted-primary",
                    f"an idle {mode} secondary without a secondary_id that keeps the "
                    f"cluster_id {cluster_id} of a set in this round (a demoted primary, or "
                    "one whose primary was cleared)"))
            else:
                unpaired.append(Unpaired(
                    read.cluster, mode, "idle-secondary",
                    f"a {mode} secondary without a secondary_id (never connected, or its "
                    "primary cleared): it has no partner to pair with"))
            continue
        candidates = primaries.get(cluster_id, [])
        if not candidates:
            by_id = [p for ps in primaries.values() for p in ps
                     if secondary_id in _known(p, mode)]
            if len(by_id) == 1:
                # Its id is known to exactly one primary of the mode, yet it shows another
                # cluster_id: paired by secondary_id so TOPOLOGY-SHARED-CLUSTER-ID judges it.
                links.append(Link(mode, by_id[0].cluster, read.cluster,
                                  _text(_section(by_id[0], mode).get("cluster_id")),
                                  secondary_id, shares_cluster_id=False))
                continue
            unpaired.append(Unpaired(
                read.cluster, mode, "orphan-secondary",
                f"no {mode} primary in this round shows its cluster_id {cluster_id or '(none)'}"
                " (its primary was not read, or it belongs to another set)"))
            continue
        knowing = [p for p in candidates if secondary_id in _known(p, mode)]
        chosen = (knowing or candidates)[0]
        links.append(Link(mode, chosen.cluster, read.cluster, cluster_id, secondary_id,
                          known=bool(knowing)))
        if not knowing:
            unpaired.append(Unpaired(
                read.cluster, mode, "unknown-secondary-id",
                f"its secondary_id {secondary_id} is not among the known_secondaries of "
                f"{chosen.cluster}, the {mode} primary of its cluster_id: paired by cluster_id "
                "alone"))
    linked = {link.primary for link in links}
    for names in primaries.values():
        for read in names:
            if read.cluster not in linked:
                unpaired.append(Unpaired(
                    read.cluster, mode, "primary-without-secondaries",
                    f"a {mode} primary with no secondary of its cluster_id in this round"))
    return links, unpaired, {cid: [r.cluster for r in rs] for cid, rs in primaries.items()}


def pair(round: Round) -> Pairing:
    """Pair the round's clusters into links, per mode, and classify the rest."""
    links: list[Link] = []
    unpaired: list[Unpaired] = []
    primary_ids: dict[str, dict[str, list[str]]] = {}
    for mode in MODES:
        found_links, found_unpaired, ids = _mode_pairs(round, mode)
        links.extend(found_links)
        unpaired.extend(found_unpaired)
        primary_ids[mode] = ids
    return Pairing(tuple(links), tuple(unpaired), primary_ids)
