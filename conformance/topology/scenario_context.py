"""What the active scenarios of a topology run share: the run's context, the outcome they fill,
and how one requirement judged on one name becomes a ``CheckResult``. Its own module so that
``scenarios`` and ``family_scenarios`` both import it, and neither the other."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome
from replcheck.conformance.topology.relations import TopologySettings
from replcheck.conformance.topology.snapshot import Round
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.exchange import Exchange
from replcheck.conformance.transport.masking import Masker

__all__ = ["Judged", "ScenarioContext", "ScenarioOutcome", "masked"]


@dataclass
class ScenarioContext:
    """What the scenarios need from the run."""

    #: cluster name -> its client (the run's bounds, the cluster's TLS, the run's masker).
    clients: Mapping[str, RecordingClient]
    #: cluster name -> its token (None: the cluster has none; writes on it are not run).
    tokens: Mapping[str, str | None]
    #: One round of reads, secondaries first (the run's own reading).
    read: Callable[[], Round]
    settings: TopologySettings
    run_id: str
    #: Prints one progress line (the run's reporter).
    say: Callable[[str], None]
    #: ``failover`` or None (``--drill``).
    drill: str | None = None
    #: The DR primary's unseal (or recovery) key shares, for the DR operation tokens.
    unseal_keys: Sequence[str] = ()
    #: Seconds between two polls.
    poll_s: float = 0.05
    sleep: Callable[[float], None] = time.sleep

    @property
    def masker(self) -> Masker:
        """The run's masker (one for every cluster's client: ``run.masker_for``)."""
        return next(iter(self.clients.values())).masker


@dataclass
class ScenarioOutcome:
    results: list[CheckResult] = field(default_factory=list)
    #: Every round the scenarios read (the reports' timelines may use them).
    rounds: list[Round] = field(default_factory=list)
    #: Clusters whose WAL streams a drill made unrelated (``TopologySettings.after_failover``).
    after_failover: frozenset[str] = frozenset()


class Judged:
    """Comparisons and findings of one requirement on one name, turned into a CheckResult."""

    def __init__(self, requirement: str, name: str, masker: Masker) -> None:
        self.requirement, self.name, self.masker = requirement, name, masker
        self.findings: list[Finding] = []
        self.judged = 0
        self.exchanges = 0
        self.notes: list[str] = []
        self.start = time.perf_counter()

    def ok(self, count: int = 1) -> None:
        self.judged += count

    def fail(self, message: str, expected: str, exchange: Exchange | None = None) -> None:
        """One deviation; what the reports keep of it is masked (the scenario judged it raw)."""
        self.judged += 1
        mask = self.masker.mask
        self.findings.append(Finding(self.requirement, mask(message), mask(expected),
                                     None if exchange is None else masked(exchange, mask),
                                     source=f"topology.scenarios.{self.name}"))

    def result(self, not_run: str = "") -> CheckResult:
        duration = time.perf_counter() - self.start
        base: dict[str, Any] = {"duration_s": duration, "judged": self.judged,
                                "exchanges": self.exchanges, "notes": list(self.notes)}
        if self.findings:
            return CheckResult(self.requirement, self.name, Outcome.FAILED,
                               findings=list(self.findings), **base)
        if self.judged:
            return CheckResult(self.requirement, self.name, Outcome.PASSED, **base)
        return CheckResult(self.requirement, self.name, Outcome.NOT_RUN,
                           not_run or "the scenario compared nothing", **base)


def masked(exchange: Exchange, mask: Callable[[str], str]) -> Exchange:
    """The exchange with every secret the masker knows masked in what the reports keep."""
    request, response = exchange.request, exchange.response
    return dataclasses.replace(
        exchange,
        request=dataclasses.replace(
            request, url=mask(request.url),
            headers=tuple((k, mask(v)) for k, v in request.headers),
            body=None if request.body is None else mask(request.body)),
        response=None if response is None else dataclasses.replace(
            response, headers=tuple((k, mask(v)) for k, v in response.headers),
            body=mask(response.body)))
