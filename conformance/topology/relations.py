"""The registry of relations across clusters, the context a relation judges through, and the
bounds it judges against.

A relation is a small plain function registered under one requirement id of
spec/requirements.yaml (``TOPOLOGY-…``, ``scope: topology``)::

    @relation("TOPOLOGY-SHARED-CLUSTER-ID", over="link")     # f(ctx, link, primary, secondary)
    @relation("TOPOLOGY-ONE-PRIMARY", over="set")            # f(ctx, round, pairing)
    @relation("TOPOLOGY-MERKLE-LOOP", over="history")        # f(ctx, link, rounds)

It says what it compared (``ctx.judged()`` per comparison, ``ctx.fail(...)`` per deviation)
or why it compared nothing (``ctx.nothing_to_judge(reason)``: a gap, never a pass;
``ctx.not_applicable(reason)``: the rule does not apply, e.g. an idle secondary has no WAL
bound). Relations that converge ("caught up", "equal roots", "stream-wals") are declared
``converges=True``: a live run polls until they pass or its bound ends. The relations live
in ``conformance/topology/rules/`` (one module per area); ``rules.all_relations()`` loads them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome
from replcheck.conformance.topology.pairing import Link, Pairing
from replcheck.conformance.topology.snapshot import ClusterRead, Round

__all__ = [
    "REGISTRY", "Over", "Relation", "RelationContext", "TopologySettings", "relation",
]

Over = Literal["link", "set", "history"]


@dataclass(frozen=True)
class TopologySettings:
    """The bounds the relations judge against. No official number exists for any of them
    (docs/replication-facts.md, "Progress and health"): each is a setting, with a default
    loose enough for a healthy set on a loaded machine."""

    #: How old a link's ``last_heartbeat`` may be at the read (seconds). Vault's UI speaks of
    #: about 10 s between heartbeats, HashiCorp's tutorial of about 5 s: three missed ones.
    heartbeat_max_age_s: float = 30.0
    #: How far apart the two sides' ``last_heartbeat`` of one link may be (seconds).
    heartbeat_agree_s: float = 30.0
    #: How large ``clock_skew_ms`` may be (its absolute value, milliseconds).
    clock_skew_max_ms: float = 1000.0
    #: How far apart the two sides' ``clock_skew_ms`` may be, beyond the link's
    #: ``last_heartbeat_duration_ms`` (milliseconds).
    clock_skew_agree_ms: float = 250.0
    #: How old ``replication_primary_canary_age_ms`` may be (lag plus up to one canary write
    #: interval, 1 s by default in Vault).
    canary_max_age_ms: float = 10_000.0
    #: How long a live run polls the converging relations, and how long a link may stay out
    #: of ``stream-wals`` over watched reads (seconds).
    converge_timeout_s: float = 60.0
    #: How long a secondary must stay in ``stream-wals`` between two merkle phases for the
    #: second not to count as a loop (seconds).
    merkle_settle_s: float = 30.0
    #: How far apart two reads must be for the heartbeat to have to advance (seconds).
    heartbeat_advance_s: float = 30.0
    #: The roles the targets file expects: cluster -> mode -> ``primary``/``secondary``/
    #: ``disabled``. Empty: TOPOLOGY-EXPECTED-ROLES has nothing to judge.
    expected_roles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Clusters a run repointed (promoted, demoted, ``update-primary``): the WAL counters of
    #: their links are unrelated afterwards, so TOPOLOGY-WAL-BOUND does not apply to them.
    after_failover: frozenset[str] = frozenset()


class RelationContext:
    """What a relation judges through: it records comparisons and deviations, and turns them
    into the engine's ``CheckResult``."""

    def __init__(self, requirement: str, name: str, settings: TopologySettings,
                 source: str = "", round: Round = ()) -> None:
        self.requirement = requirement
        self.name = name
        self.settings = settings
        self.source = source
        #: The round judged (its order is the read order).
        self.round = round
        self._findings: list[Finding] = []
        self._notes: list[str] = []
        self._judged = 0
        self._not_applicable: str | None = None
        self._nothing: str | None = None

    def fail(self, message: str, expected: str, *, cluster: str | None = None,
             json_path: str | None = None) -> None:
        """One deviation (it counts as one comparison too). ``cluster`` names the side the
        value was read from, ``json_path`` its place in that cluster's status
        (``$.data.dr.cluster_id``)."""
        self._judged += 1
        text = f"{cluster}: {message}" if cluster else message
        self._findings.append(Finding(
            self.requirement, text, expected, source=self.source,
            json_paths=(json_path,) if json_path else ()))

    def read_before(self, first: str, then: str) -> bool | None:
        """Whether cluster ``first`` was read before cluster ``then``: by their read times
        when both are known, else by their order in the round; None when either is not in
        it."""
        reads = {read.cluster: (index, read) for index, read in enumerate(self.round)}
        if first not in reads or then not in reads:
            return None
        (i, a), (j, b) = reads[first], reads[then]
        if a.read_time_known and b.read_time_known and a.read_at != b.read_at:
            return a.read_at < b.read_at
        return i < j

    def judged(self, count: int = 1) -> None:
        """``count`` comparisons made that held."""
        self._judged += count

    def note(self, text: str) -> None:
        """An observation a person should read even when the relation holds."""
        self._notes.append(text)

    def not_applicable(self, reason: str) -> None:
        self._not_applicable = reason

    def nothing_to_judge(self, reason: str) -> None:
        self._nothing = reason

    @property
    def failed(self) -> bool:
        return bool(self._findings)

    def result(self, duration_s: float = 0.0) -> CheckResult:
        base: dict[str, Any] = {"notes": list(self._notes), "duration_s": duration_s,
                                "judged": self._judged}
        if self._findings:
            return CheckResult(self.requirement, self.name, Outcome.FAILED,
                               findings=list(self._findings), **base)
        if self._judged:
            return CheckResult(self.requirement, self.name, Outcome.PASSED, **base)
        if self._not_applicable is not None:
            return CheckResult(self.requirement, self.name, Outcome.NOT_RUN,
                               self._not_applicable, inapplicable=True, **base)
        reason = self._nothing or "the relation compared nothing"
        return CheckResult(self.requirement, self.name, Outcome.NOT_RUN, reason, **base)


LinkRelation = Callable[[RelationContext, Link, ClusterRead, ClusterRead], None]
SetRelation = Callable[[RelationContext, Round, Pairing], None]
HistoryRelation = Callable[[RelationContext, Link, Sequence[Round]], None]


@dataclass(frozen=True)
class Relation:
    """One registered relation."""

    requirement: str
    over: Over
    converges: bool
    function: Callable[..., None]

    @property
    def source(self) -> str:
        """The name findings carry (the function's module and name)."""
        module = self.function.__module__.rsplit(".", 1)[-1]
        return f"topology.{module}.{self.function.__name__}"


#: requirement id -> its relation. Filled by the ``rules`` modules at import.
REGISTRY: dict[str, Relation] = {}


def relation(requirement: str, *, over: Over,
             converges: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the relation of ``requirement``."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        if requirement in REGISTRY:
            raise ValueError(f"{requirement} already has a relation")
        REGISTRY[requirement] = Relation(requirement, over, converges, function)
        return function

    return register


def timed(function: Callable[[], None]) -> float:
    """Run ``function`` and answer how long it took (seconds)."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start
