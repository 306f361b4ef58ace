"""What the reports show of a judged set: ``topology_view(judgement, rounds)``.

The view's types (``ClusterView``, ``LinkView``, ``TopologyView``) are plain data held by the
engine's layer (``engine/topology_view.py``), because ``RunResult.topology`` carries them and
this layer lies above the engine; they are re-exported here with the function that makes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from replcheck.conformance.engine.topology_view import (
    ClusterView,
    Health,
    LinkView,
    TimelineEntry,
    TopologyView,
)
from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.topology.judging import TopologyJudgement, timeline
from replcheck.conformance.topology.pairing import Link
from replcheck.conformance.topology.snapshot import MODES, ClusterRead, Round

__all__ = ["ClusterView", "LinkView", "TopologyView", "link_health", "topology_view"]


def link_health(results: Sequence[CheckResult]) -> tuple[Health, tuple[str, ...]]:
    """A link's health from its results and the ids failed on it: failing if any failed,
    unjudged if none judged (passed or failed: a result not run or errored judged nothing),
    else healthy."""
    failed = tuple(dict.fromkeys(r.requirement for r in results if r.outcome is Outcome.FAILED))
    if failed:
        return "failing", failed
    if not any(r.outcome is Outcome.PASSED for r in results):
        return "unjudged", ()
    return "healthy", ()


def _cluster(read: ClusterRead) -> ClusterView:
    roles: dict[str, str] = {}
    for mode in MODES:
        role = read.mode_of(mode)
        if role is not None:
            roles[mode] = role
    version = (read.health or {}).get("version")
    return ClusterView(
        name=read.cluster,
        url=read.url,
        roles=roles,
        version=str(version) if version else None,
        error=read.error,
    )


def _link(link: Link, judgement: TopologyJudgement, rounds: Sequence[Round]) -> LinkView:
    mine = [result for result in judgement.results if result.name == link.label]
    health, failed = link_health(mine)
    entries: list[TimelineEntry] = list(
        judgement.timelines.get(link.label) or timeline(link, rounds)
    )
    return LinkView(
        label=link.label,
        mode=link.mode,
        primary=link.primary,
        secondary=link.secondary,
        health=health,
        failed=failed,
        timeline=tuple(entries),
    )


def topology_view(judgement: TopologyJudgement, rounds: Sequence[Round]) -> TopologyView:
    """The set as the reports show it: every cluster as its last read showed it (in the
    order the last round read them), every link of the judgement's pairing with its health
    and timeline, and one sentence per unpaired cluster."""
    last = rounds[-1] if rounds else ()
    return TopologyView(
        clusters=tuple(_cluster(read) for read in last),
        links=tuple(_link(link, judgement, rounds) for link in judgement.pairing.links),
        unpaired=tuple(str(unpaired) for unpaired in judgement.pairing.unpaired),
    )
