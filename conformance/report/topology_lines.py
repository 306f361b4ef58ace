"""The replication set as text, one line per link: what the terminal prints after the
requirement summary of a topology run (``RunResult.topology``).

``dr           A -> B  stream-wals  connected  ok``, or ``FAILED: TOPOLOGY-…`` with the ids
failed on the link; a cluster that could not be read and each unpaired cluster one line each.
Timelines collapse repeated reads: a watch of many reads in one state is one entry, ``(N reads)``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence

from replcheck.conformance.engine.topology_view import LinkView, TimelineEntry, TopologyView
from replcheck.conformance.transport.exchange import visible

#: What a link's health reads as at the end of its line.
_VERDICT = {"healthy": "ok", "unjudged": "not judged"}


def link_verdict(link: LinkView) -> str:
    """``ok``, ``not judged`` or ``FAILED: ID, ID``."""
    if link.health == "failing":
        return "FAILED: " + ", ".join(link.failed)
    return _VERDICT[link.health]


def headline(view: TopologyView) -> str:
    """``Topology: 6 clusters, 5 links (4 ok, 1 failing), 1 not read, 1 unpaired``."""
    counts = {h: sum(1 for link in view.links if link.health == h) for h in _ORDER}
    shown = ", ".join(f"{n} {_WORD[h]}" for h, n in counts.items() if n)
    links = f"{len(view.links)} link{'' if len(view.links) == 1 else 's'}"
    parts = [f"{len(view.clusters)} cluster{'' if len(view.clusters) == 1 else 's'}"]
    parts.append(f"{links} ({shown})" if shown else links)
    unreachable = sum(1 for cluster in view.clusters if cluster.error)
    if unreachable:
        parts.append(f"{unreachable} not read")
    if view.unpaired:
        parts.append(f"{len(view.unpaired)} unpaired")
    return "Topology: " + ", ".join(parts)


_ORDER = ("healthy", "failing", "unjudged")
_WORD = {"healthy": "ok", "failing": "failing", "unjudged": "not judged"}


def collapsed(timeline: tuple[TimelineEntry, ...]) -> list[tuple[float, str, str, int]]:
    """Consecutive reads in the same state and connection as one entry: (first read_at,
    state, connection, reads)."""
    entries: list[tuple[float, str, str, int]] = []
    for read_at, state, connection in timeline:
        if entries and entries[-1][1:3] == (state, connection):
            first, _, _, count = entries[-1]
            entries[-1] = (first, state, connection, count + 1)
        else:
            entries.append((read_at, state, connection, 1))
    return entries


def clock(read_at: float) -> str:
    """A read's time of day, UTC, to the tenth of a second (``19:10:31.2``); ``time unknown``
    for a snapshot that does not say when it was read (``nan``)."""
    if not math.isfinite(read_at):
        return "time unknown"
    whole = int(read_at)
    tenths = int((read_at - whole) * 10)
    return time.strftime("%H:%M:%S", time.gmtime(whole)) + f".{tenths}"


def topology_lines(view: TopologyView, *, timelines: bool = False) -> list[str]:
    """The set drawn as lines (``timelines``: each link's reads under it, for ``--verbose``)."""
    lines = [headline(view)]
    modes = max((len(link.mode) for link in view.links), default=0)
    pairs = [f"{link.primary} -> {link.secondary}" for link in view.links]
    width = max(map(len, pairs), default=0)
    states = max((len(link.state or "-") for link in view.links), default=0)
    connections = max((len(link.connection or "-") for link in view.links), default=0)
    for link, pair in zip(view.links, pairs, strict=True):
        state, connection = visible(link.state or "-"), visible(link.connection or "-")
        lines.append(
            f"  {link.mode:<{modes}}  {visible(pair):<{width}}  {state:<{states}}"
            f"  {connection:<{connections}}  {link_verdict(link)}"
        )
        if timelines:
            for read_at, state, connection, count in collapsed(link.timeline):
                reads = f"  ({count} reads)" if count > 1 else ""
                lines.append(
                    f"      {clock(read_at)}  {visible(state or '-')}  "
                    f"{visible(connection or '-')}{reads}"
                )
    for cluster in view.clusters:
        if cluster.error:
            lines.append(f"  not read: {visible(cluster.name)}: {visible(cluster.error)}")
    for sentence in view.unpaired:
        lines.append(f"  unpaired: {visible(sentence)}")
    return lines


#: What a cluster's name is replaced with when notes are compared.
_PLACE = "<cluster>"


def fold_notes(
    notes: Sequence[tuple[str, list[str]]], view: TopologyView
) -> list[tuple[str, list[str]]]:
    """Notes that differ only in the clusters they name (one per link or per cluster: "B's
    last_remote_wal is 0 ...", "D's last_remote_wal is 0 ...") as one, the first with the
    others' clusters after it: "... (likewise D, F)". Each note keeps its requirements; the
    order is the first note's."""
    names = sorted(
        {c.name for c in view.clusters}
        | {n for link in view.links for n in (link.primary, link.secondary)},
        key=len,
        reverse=True,
    )
    if not names:
        return list(notes)
    pattern = re.compile(
        r"(?<![\w.:-])(" + "|".join(map(re.escape, names)) + r")(?![\w:-]|\.\w)"
    )
    folded: dict[tuple[str, tuple[str, ...]], list[tuple[str, list[str]]]] = {}
    for note, ids in notes:
        folded.setdefault((pattern.sub(_PLACE, note), tuple(ids)), []).append(
            (note, pattern.findall(note))
        )
    shown: list[tuple[str, list[str]]] = []
    for (_, requirements), members in folded.items():
        first, named = members[0]
        others = [
            " and ".join(n for n, m in zip(found, named, strict=False) if n != m) or "again"
            for _, found in members[1:]
        ]
        likewise = f" (likewise {', '.join(others)})" if others else ""
        shown.append((first + likewise, list(requirements)))
    return shown
