"""What a run concludes as a whole: ``RunResult``, its verdict, its sentence and its exit code.

Every report (terminal, JUnit, JSON, HTML, the plugin's summary) reads a ``RunResult``; no
secret is in one (its exchanges are masked).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from replcheck import spec
from replcheck.conformance import __version__
from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.concurrency.interruption import signal_name
from replcheck.conformance.engine.topology_view import TopologyView
from replcheck.conformance.judging.outcomes import PARTIAL, CheckResult, Outcome, RequirementResult
from replcheck.conformance.transport.exchange import Exchange


class Verdict(enum.StrEnum):
    """What a run concludes about its target; the values are the JSON report's strings."""

    CONFORMANT = "conformant"
    NOT_CONFORMANT = "not conformant"
    #: The suite itself broke on a check: no verdict can be claimed.
    INCOMPLETE = "incomplete"
    #: No replication API (Community Edition, or a 404 on the status as from OpenBao).
    UNSUPPORTED = "unsupported"
    #: The run judged no requirement ("NO VERDICT" in the sentence).
    NOTHING_JUDGED = "nothing judged"
    PLAN = "plan"
    #: Stopped by a signal; the exit code is 128 + the signal number.
    INTERRUPTED = "interrupted"

    @property
    def exit_code(self) -> int:
        """``replcheck run``'s exit status for this verdict: 0 conformant (or a plan), 1 not
        conformant or unsupported (a gate must not pass without the API), 2 no verdict. An
        interrupted run's status depends on the signal (``RunResult.exit_code``)."""
        return _EXIT_CODES[self]


_EXIT_CODES = {
    Verdict.PLAN: 0,
    Verdict.CONFORMANT: 0,
    Verdict.NOT_CONFORMANT: 1,
    Verdict.UNSUPPORTED: 1,
    Verdict.INCOMPLETE: 2,
    Verdict.NOTHING_JUDGED: 2,
    Verdict.INTERRUPTED: 130,
}


@dataclass
class RunResult:
    """Everything a report needs; no secret is in here (exchanges are masked)."""

    target: str
    target_url: str
    settings: dict[str, Any]
    seed: int
    profile: str
    plan: bool
    edition: Edition
    results: dict[str, RequirementResult]
    checks: list[CheckResult]
    exchanges: list[Exchange]
    cluster_ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    plan_lines: list[str] = field(default_factory=list)
    #: What the status answer showed when the edition has no replication (one sentence).
    edition_observed: str = ""
    #: ``--strict``: a requirement or check not run (other than by the profile) fails the run.
    strict: bool = False
    started_at: str = ""
    duration_s: float = 0.0
    #: The signal that stopped the run before its end; the result is then partial.
    interrupted_by: int | None = None
    #: Generated cases sent per documented operation ("POST /sys/replication/reindex": 26).
    cases_per_operation: dict[str, int] = field(default_factory=dict)
    #: Requests sent besides ``exchanges``: by users' marked tests through the plugin's
    #: clients (the plugin counts them; it does not record them).
    other_requests: int = 0
    #: What kind of target was judged: ``embedded reference server``, ``URL <url>`` (its
    #: password masked), or a deliberately broken embedded server.
    target_kind: str = ""
    #: A topology run's set (clusters, links with their health and timelines, what could not
    #: be paired); None for a single-cluster run.
    topology: TopologyView | None = None
    suite_version: str = __version__
    spec_hash: str = field(default_factory=spec.spec_hash)
    #: A topology run: the clusters that could not be read, each with its one sentence; the
    #: others were judged, and the run exits 2 (``exit_code``) whatever their verdict.
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def requests_sent(self) -> int:
        """Every request the run sent: the engine's, and those of users' marked tests."""
        return 0 if self.plan else len(self.exchanges) + self.other_requests

    def _with(self, outcome: Outcome) -> list[str]:
        return [rid for rid, r in self.results.items() if r.outcome is outcome]

    @property
    def failed(self) -> list[str]:
        return self._with(Outcome.FAILED)

    @property
    def errored(self) -> list[str]:
        return self._with(Outcome.ERROR)

    @property
    def gaps(self) -> list[str]:
        """Requirements with a check not run for a reason other than the profile (what
        ``--strict`` fails on)."""
        return [
            rid
            for rid, r in self.results.items()
            if r.outcome in (Outcome.PASSED, Outcome.NOT_RUN) and r.gaps
        ]

    @property
    def verdict(self) -> Verdict:
        """The run's verdict, the first that holds of: interrupted, plan, not conformant,
        incomplete, unsupported, nothing judged, not conformant under ``--strict``, conformant.

        An interrupted run claims nothing; failed wins (the target deviated); then an engine
        error (no verdict can be claimed); then an edition without the replication API; then a
        run that judged no requirement at all (a gate must not pass on nothing); then
        ``--strict`` gaps; else conformant."""
        if self.interrupted_by is not None:
            return Verdict.INTERRUPTED
        if self.plan:
            return Verdict.PLAN
        if self.failed:
            return Verdict.NOT_CONFORMANT
        if self.errored:
            return Verdict.INCOMPLETE
        if self.edition.unsupported:
            return Verdict.UNSUPPORTED
        if not self._with(Outcome.PASSED):
            return Verdict.NOTHING_JUDGED
        if self.strict and self.gaps:
            return Verdict.NOT_CONFORMANT
        return Verdict.CONFORMANT

    def tally(self, but: Outcome | None = None) -> str:
        """The requirements counted by outcome as every report labels them (a requirement that
        passed with a check not run for another reason than the profile counts as
        ``partial``), leaving out the outcome ``but``."""
        counts: dict[str, int] = {}
        for result in self.results.values():
            if result.outcome is but:
                continue
            shown = PARTIAL if result.partly_run else result.outcome.value
            counts[shown] = counts.get(shown, 0) + 1
        order = [Outcome.PASSED.value, PARTIAL, *(o.value for o in Outcome)]
        return ", ".join(
            f"{counts[name]} {name}" for name in sorted(counts, key=order.index)
        ) or "none selected"

    def _unsupported_sentence(self) -> str:
        """What a target without the replication API was judged on: the requirements that
        need the API could not be, the others (Vault's generic HTTP conventions) were judged
        on the few answers it gave."""
        observed = self.edition_observed or "replication is not available"
        unsupported = len(self._with(Outcome.UNSUPPORTED))
        others = len(self.results) - unsupported
        answers = sum(1 for exchange in self.exchanges if exchange.response is not None)
        received = f"the {answers} answer{'' if answers == 1 else 's'} received"
        if others == len(self._with(Outcome.PASSED)) and others:
            judged = f"the other {others} passed on {received}"
        elif others:
            judged = f"of the other {others}: {self.tally(but=Outcome.UNSUPPORTED)}, on {received}"
        else:
            judged = "no other requirement was selected"
        return (
            f"UNSUPPORTED: {observed}. {unsupported} of {len(self.results)} requirement(s) need "
            f"that API and could not be judged; {judged}; nothing deviated."
        )

    @property
    def verdict_sentence(self) -> str:
        counts = {o: len(self._with(o)) for o in Outcome}
        tally = self.tally()
        verdict = self.verdict
        if verdict is Verdict.INTERRUPTED:
            return (
                f"INTERRUPTED by {signal_name(self.interrupted_by)}: the run stopped before its "
                f"end, so no verdict can be given; partial results ({tally})."
            )
        if verdict is Verdict.NOT_CONFORMANT and not self.failed:
            return (
                f"NOT CONFORMANT (--strict): {len(self.gaps)} requirement(s) not fully run: "
                f"{', '.join(self.gaps)} ({tally})."
            )
        return {
            Verdict.PLAN: "Plan only: nothing was sent.",
            Verdict.NOT_CONFORMANT: f"NOT CONFORMANT: {counts[Outcome.FAILED]} requirement(s) "
            f"failed ({tally}).",
            Verdict.INCOMPLETE: f"INCOMPLETE: the suite itself broke on {counts[Outcome.ERROR]} "
            f"requirement(s), so no verdict can be given ({tally}).",
            Verdict.UNSUPPORTED: self._unsupported_sentence(),
            Verdict.NOTHING_JUDGED: "NO VERDICT: the run judged no requirement, so it cannot say "
            f"the target conforms ({tally}).",
            Verdict.CONFORMANT: f"CONFORMANT: every judged requirement passed ({tally}).",
        }[verdict]

    @property
    def unjudged_musts(self) -> dict[str, list[str]]:
        """MUST requirements no check judged because of the profile, a missing token or the
        target's role, by what would judge them (``--profile full``, ``--provision or
        --non-sudo-token T``, ``need a run against …``)."""
        by_unlock: dict[str, list[str]] = {}
        for rid, outcome in self.results.items():
            if outcome.outcome is not Outcome.NOT_RUN:
                continue
            if spec.requirement(rid).level != "MUST":
                continue
            unlocks = [c.unlock for c in outcome.checks if c.unlock]
            if unlocks:
                by_unlock.setdefault(unlocks[0], []).append(rid)
        return by_unlock

    @property
    def scope_sentence(self) -> str:
        """What was judged and how: the target kind, the profile, ``--strict``, and how many
        MUSTs the run left unjudged with what would judge them (the verdict line's second
        half, in every report)."""
        head = (
            f"Judged: {self.target_kind or self.target_url}; {self.profile} profile, "
            f"strict {'on' if self.strict else 'off'}"
        )
        if self.plan or self.edition is Edition.ABSENT:
            return head + "."
        unjudged = self.unjudged_musts
        count = sum(len(ids) for ids in unjudged.values())
        topology, nothing = self.topology_pending, self.judged_by_nothing
        later = ", ".join(
            ([f"{topology} left to replcheck run --topology"] if topology else [])
            + ([f"{nothing} judged by no check yet"] if nothing else [])
        )
        later = f" ({later})" if later else ""
        if not count:
            return head + f": every selected MUST judged{later}."
        ranked = sorted(unjudged.items(), key=lambda item: -len(item[1]))
        # An unlock is a flag to add ("--profile full"), or what else would judge them
        # ("need a run against …": the target's role keeps them from being judged there).
        flags = ", ".join(f"{how} ({len(ids)})" for how, ids in ranked if how.startswith("-"))
        parts = [f"add {flags} to judge them"] if flags else []
        parts += [f"{len(ids)} {how}" for how, ids in ranked if not how.startswith("-")]
        musts = "MUST" if count == 1 else "MUSTs"
        return head + f": {count} {musts} not judged — {'; '.join(parts)}{later}."

    @property
    def topology_pending(self) -> int:
        """Selected requirements only a topology gate can judge (``scope: topology``), which a
        single-cluster run leaves not run with ``spec.TOPOLOGY_PENDING`` (a topology run judges
        them: none is pending there)."""
        return sum(
            1 for rid, result in self.results.items()
            if spec.requirement(rid).topology and result.reason == spec.TOPOLOGY_PENDING
        )

    @property
    def judged_by_nothing(self) -> int:
        """Selected requirements no check of this release judges (``judged: false``), which a
        run leaves not run with ``spec.TOPOLOGY_UNJUDGED``."""
        return sum(1 for result in self.results.values()
                   if result.reason == spec.TOPOLOGY_UNJUDGED)

    @property
    def exit_code(self) -> int:
        if self.interrupted_by is not None:
            return 128 + int(self.interrupted_by)
        if self.unreachable:
            return 2
        return self.verdict.exit_code
