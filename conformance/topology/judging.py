"""Rounds of reads to the engine's results: ``judge``.

Each relation of ``rules.all_relations()`` is judged on the *last* round's pairing: a link
relation once per link (its result named ``Link.label``), a set relation once (named
``set``), a history relation once per link over every round. A link relation with no link to
judge gives one not-run result named ``set`` saying so. Results are the engine's
``CheckResult``s, so a topology run goes through the same reports as a single-cluster one.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from replcheck.conformance.judging.outcomes import CheckResult, Outcome, enforcer_id
from replcheck.conformance.settings.selection import Selection
from replcheck.conformance.topology.pairing import Link, Pairing, pair
from replcheck.conformance.topology.relations import (
    Relation,
    RelationContext,
    TopologySettings,
)
from replcheck.conformance.topology.rules import all_relations
from replcheck.conformance.topology.rules.fields import primary_peer, section
from replcheck.conformance.topology.snapshot import ClusterRead, Round

__all__ = ["SET", "Timeline", "TopologyJudgement", "judge", "read_of", "timeline"]

#: The name of a set relation's result (and of a link relation's result when no link exists).
SET = "set"

Timeline = list[tuple[float, str, str]]


@dataclass
class TopologyJudgement:
    #: The pairing of the last round.
    pairing: Pairing
    #: One per requirement per link (name ``Link.label``), per set (``set``).
    results: list[CheckResult]
    #: ``link.label`` -> ``[(read_at, state, connection)]``, one entry per round, the
    #: secondary's view of the link.
    timelines: dict[str, Timeline] = field(default_factory=dict)


def read_of(round: Round, cluster: str) -> ClusterRead | None:
    for read in round:
        if read.cluster == cluster:
            return read
    return None


def timeline(link: Link, rounds: Sequence[Round]) -> Timeline:
    """The link's states over the rounds, seen from its secondary: the section's ``state``
    and the connection (``primaries[0].connection_status``, else ``connection_state``)."""
    entries: Timeline = []
    for round_ in rounds:
        read = read_of(round_, link.secondary)
        if read is None or read.status is None:
            continue
        found = section(read, link.mode)
        peer = primary_peer(read, link.mode) or {}
        connection = peer.get("connection_status") or found.get("connection_state") or "unknown"
        entries.append((read.read_at, str(found.get("state") or "unknown"), str(connection)))
    return entries


def _run(relation: Relation, name: str, settings: TopologySettings, round: Round,
         *args: object) -> CheckResult:
    ctx = RelationContext(relation.requirement, name, settings, relation.source, round)
    start = time.perf_counter()
    try:
        relation.function(ctx, *args)
    except Exception as exc:  # a bug in the relation is the suite's fault, not the target's
        return CheckResult(relation.requirement, name, Outcome.ERROR,
                           f"{type(exc).__name__}: {exc}",
                           duration_s=time.perf_counter() - start)
    return ctx.result(time.perf_counter() - start)


def _judge_one(relation: Relation, rounds: Sequence[Round], pairing: Pairing,
               settings: TopologySettings) -> list[CheckResult]:
    last = rounds[-1]
    if relation.over == "set":
        return [_run(relation, SET, settings, last, last, pairing)]
    if not pairing.links:
        return [CheckResult(relation.requirement, SET, Outcome.NOT_RUN,
                            "no link was paired in the set (see the unpaired clusters)")]
    results = []
    for link in pairing.links:
        if relation.over == "history":
            results.append(_run(relation, link.label, settings, last, link, rounds))
            continue
        primary, secondary = read_of(last, link.primary), read_of(last, link.secondary)
        assert primary is not None and secondary is not None  # paired from this round
        results.append(_run(relation, link.label, settings, last, link, primary,
                            secondary))
    return results


def judge(rounds: Sequence[Round], settings: TopologySettings | None = None, *,
          keyword: str | None = None, history: bool = True,
          only: Collection[str] | None = None) -> TopologyJudgement:
    """Judge ``rounds`` (every cluster read once per round, oldest first).

    ``keyword`` selects results like ``-k`` (on ``REQUIREMENT::name`` and the category);
    ``history`` False leaves out the relations over time (offline, one round); ``only``
    restricts to those requirement ids (a live run's convergence polling)."""
    if not rounds:
        raise ValueError("judge needs at least one round of reads")
    settings = settings or TopologySettings()
    selection = Selection(keyword)
    pairing = pair(rounds[-1])
    results: list[CheckResult] = []
    for relation in all_relations():
        if relation.over == "history" and not history:
            continue
        if only is not None and relation.requirement not in only:
            continue
        for result in _judge_one(relation, rounds, pairing, settings):
            if selection.matches(enforcer_id(result.requirement, result.name),
                                 result.requirement):
                results.append(result)
    timelines = {link.label: timeline(link, rounds) for link in pairing.links}
    return TopologyJudgement(pairing, results, timelines)
