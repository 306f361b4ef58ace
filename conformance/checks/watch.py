"""Run-wide watchers: promises that only show when answers are compared across the whole run.

A judge looks at one answer; a watcher compares each answer with every earlier one. The client
hands watchers every answered exchange of the run, raw, including the suite's own bookkeeping
reads (the polls while a reindex runs), so nothing the target said escapes them; a finding keeps
the exchanges masked (``mask``, set by the session to the client's masking).

``WalWatcher`` keeps STATUS-WAL-MONOTONIC: it remembers the values of each WAL counter per
section, cluster id and mode, from every status answer, and records a finding, with the earlier
and the later exchange, when an answer reports less than the latest answer before it. A section
whose cluster id or mode changed is another cluster (Vault's counters belong to a cluster), so
its counters start afresh.

"Before" means certainly before at the target: the earlier answer had fully arrived when the
later request was sent. In a sequential run that is every earlier answer; with
``--concurrency`` two status reads in flight at once may be answered in either order, so they
are not compared with each other (a conformant target could be blamed for the threads' timing).
Answers may reach the watcher from several threads: it holds a lock.

``registered`` lists the watchers (``Watcher``, the enforcer model's third kind beside checks and
judges); ``WalWatcher.take_piece`` hands out what it saw since it was last asked, as a result that
``outcomes.merge`` combines with the other pieces of the run.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome, enforcer_id
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec import domains

SECTIONS = domains.sections()
_DISABLED = domains.member("cluster-section.json#/properties/mode", "disabled")
_SECONDARY = domains.member("cluster-section.json#/properties/mode", "secondary")
_IDLE = domains.member("cluster-section.json#/$defs/secondary/properties/state", "idle")
#: The WAL counters of a section, read from the schema (members whose schema is walCounter).
WAL_FIELDS = domains.wal_counters()
WAL_REQUIREMENT = "STATUS-WAL-MONOTONIC"
#: Findings kept by one watcher; the rest are counted.
MAX_WATCH_FINDINGS = 10


def sections(exchange: Exchange) -> Iterator[tuple[str, dict[str, Any]]]:
    """The cluster sections (``dr``, ``performance``) of a status answer that has them."""
    data = exchange.data() or {}
    for name in SECTIONS:
        section = data.get(name)
        if isinstance(section, dict):
            yield name, section


#: Readings kept per counter to find the latest one before a new answer.
KEPT_READINGS = 64


@dataclass(frozen=True)
class _Reading:
    value: int
    exchange: Exchange
    #: When the request was sent and when its whole answer had arrived (``perf_counter``).
    sent: float
    arrived: float


@dataclass(frozen=True)
class Watcher:
    """A run-wide watcher as the registry lists it (the enforcer model's third kind)."""

    kind: ClassVar[str] = "watcher"
    requirement: str
    name: str
    doc: str
    #: Watchers judge the replication API's answers: unsupported on a target without it.
    any_edition: bool = False
    #: The module that holds it, e.g. ``replcheck.conformance.checks.watch``.
    module: str = __name__

    @property
    def id(self) -> str:
        return enforcer_id(self.requirement, self.name)


class WalWatcher:
    """WAL counters never go back, over every status answer of the run."""

    name = "wal_counters_over_the_whole_run"

    def __init__(self, status_path: str) -> None:
        self._status_path = status_path
        self._lock = threading.Lock()
        #: Answers without a known arrival time are ordered as they come (a sequential run).
        self._arrivals = itertools.count(1)
        self._readings: dict[tuple[str, Any, Any, str], list[_Reading]] = {}
        self._pending: list[Finding] = []
        self._found = 0
        #: Findings beyond ``MAX_WATCH_FINDINGS``, counted but not kept.
        self.hidden = 0
        #: Status answers that carried at least one WAL counter.
        self.reads = 0
        #: Turns an exchange into what a report may show (secrets masked).
        self.mask: Callable[[Exchange], Exchange] = lambda exchange: exchange
        self._pieced_reads = 0
        self._pieced_hidden = 0

    def __call__(self, exchange: Exchange) -> None:
        if (
            exchange.request.method != "GET"
            or exchange.status != 200
            or urlsplit(exchange.request.url).path != self._status_path
        ):
            return
        with self._lock:
            self._watch(exchange, *self._interval(exchange))

    def _interval(self, exchange: Exchange) -> tuple[float, float]:
        """When the request was sent and its answer arrived; for an answer whose arrival is
        not known, the order in which answers reach the watcher."""
        response = exchange.response
        if response is None or not response.received_at:
            arrival = float(next(self._arrivals))
            return arrival, arrival
        return response.received_at - response.elapsed_ms / 1000, response.received_at

    def _watch(self, exchange: Exchange, sent: float, arrived: float) -> None:
        counted = False
        for name, section in sections(exchange):
            cluster = (section.get("cluster_id"), section.get("mode"))
            for member in WAL_FIELDS:
                value = section.get(member)
                if not isinstance(value, int) or isinstance(value, bool):
                    continue
                counted = True
                readings = self._readings.setdefault((name, *cluster, member), [])
                earlier = [r for r in readings if r.arrived <= sent]
                seen = max(earlier, key=lambda r: r.arrived) if earlier else None
                if seen is not None and value < seen.value:
                    self._went_back(f"$.data.{name}.{member}", seen, value, exchange)
                # After a step back the new value is the baseline, so each step back is one
                # finding.
                readings.append(_Reading(value, exchange, sent, arrived))
                del readings[:-KEPT_READINGS]
        self.reads += counted

    def _went_back(self, where: str, seen: _Reading, value: int, exchange: Exchange) -> None:
        if self._found >= MAX_WATCH_FINDINGS:
            self.hidden += 1
            return
        self._found += 1
        earlier = seen.exchange
        self._pending.append(
            Finding(
                WAL_REQUIREMENT,
                f"{where} went back from {seen.value} to {value} (cluster and mode unchanged): "
                f"{seen.value} was read by {earlier.origin or 'the run'} "
                f"({earlier.purpose or 'a status read'}), {value} by "
                f"{exchange.origin or 'the run'} ({exchange.purpose or 'a status read'})",
                "a WAL counter that never decreases while the cluster stays the same",
                self.mask(exchange),
                source=self.name,
                earlier=self.mask(earlier),
            )
        )

    def take(self) -> list[Finding]:
        """The findings recorded since the last call (each finding is handed out once)."""
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def take_piece(self) -> CheckResult:
        """What the watcher saw since the last piece, as a result to merge or conclude: the
        findings recorded, the status answers counted (judged) and the findings only counted."""
        piece = CheckResult(WAL_REQUIREMENT, self.name, Outcome.NOT_RUN, findings=self.take())
        piece.exchanges = piece.judged = self.reads - self._pieced_reads
        piece.hidden = self.hidden - self._pieced_hidden
        self._pieced_reads, self._pieced_hidden = self.reads, self.hidden
        return piece


def without_wal(exchange: Exchange) -> str:
    """Why a status answer carries no WAL counter, section by section (``dr: disabled;
    performance: an idle secondary, with no last_remote_wal``): what a check whose WAL
    counters are missing says when it has nothing to judge."""
    reasons = []
    for name, section in sections(exchange):
        mode, state = section.get("mode"), section.get("state")
        if any(member in section for member in WAL_FIELDS):
            continue
        if mode == _DISABLED:
            reasons.append(f"{name}: {mode}")
        elif mode == _SECONDARY and state == _IDLE:
            reasons.append(
                f"{name}: an idle secondary (no primary), which reports no last_remote_wal"
            )
        else:
            reasons.append(f"{name}: {mode} with no WAL counter")
    return "; ".join(reasons)


#: Why the watcher judged nothing, when no status answer of the run had a WAL counter.
NOTHING_WATCHED = "no status answer of the run carried a WAL counter"

WAL_WATCHER = Watcher(
    WAL_REQUIREMENT, WalWatcher.name, " ".join((WalWatcher.__doc__ or "").split())
)


def registered() -> tuple[Watcher, ...]:
    """Every run-wide watcher."""
    return (WAL_WATCHER,)
