"""What a run concludes: findings about the target, and outcomes per check and per requirement.

Three things are kept apart on purpose:
- a ``Finding`` says the *target* deviates (a requirement id, what was expected, the exchange);
- an ``error`` outcome says the *suite* broke (an exception in a check): never the target's fault;
- ``not_run`` and ``unsupported`` say why nothing was judged, always with the reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from replcheck import spec
from replcheck.conformance.transport.exchange import Exchange


def enforcer_id(requirement: str, name: str) -> str:
    """The stable id of a check, judge or watcher, and of its results:
    ``REQUIREMENT::name`` (``REINDEX-SUDO::refuses_token_without_sudo``), as JUnit, ``-k``,
    the reports and the plugin's test names show it. Built here only."""
    return f"{requirement}::{name}"

class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    NOT_RUN = "not run"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Finding:
    """The target deviates from one requirement."""

    requirement: str
    message: str
    expected: str
    exchange: Exchange | None = None
    #: Name of the check or judge that found it.
    source: str = ""
    #: An earlier exchange the finding compares ``exchange`` with (e.g. the read a WAL counter
    #: went back from), when it rests on two.
    earlier: Exchange | None = None
    #: JSON paths (``$.data.dr.cluster_id``) of the values in the answer's body that break its
    #: schema, when the finding is a schema violation; the HTML report highlights them.
    json_paths: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "source": self.source,
            "message": self.message,
            "expected": self.expected,
            "exchange": self.exchange.to_dict() if self.exchange else None,
            "earlier": self.earlier.to_dict() if self.earlier else None,
            "json_paths": list(self.json_paths),
        }


@dataclass
class CheckResult:
    """The outcome of one check (or one judge) of one requirement."""

    requirement: str
    name: str
    outcome: Outcome
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0
    #: Observations a person should read even when the check passed (e.g. a tolerated legacy
    #: behaviour of an older Vault version).
    notes: list[str] = field(default_factory=list)
    #: Requests sent (for a judge: answers it was shown).
    exchanges: int = 0
    #: Answers (or parts of answers) the check actually judged: a check that judged nothing is
    #: *not run* with the reason, never passed.
    judged: int = 0
    #: Not run because of a choice the user made (``--profile safe``), not a gap in the run:
    #: ``--strict`` does not count it.
    by_choice: bool = False
    #: Not run because the rule does not apply to this target (a DR secondary's rule on any
    #: other cluster): nothing was left out, so ``--strict`` does not count it either.
    inapplicable: bool = False
    #: When not run for the profile or for want of a token: the flags that would judge it
    #: (``--profile full``, ``--provision or --non-sudo-token T``), for the verdict line.
    unlock: str = ""
    #: Findings beyond the enforcer's cap (a fuzzer can repeat one deviation hundreds of
    #: times): counted here, not kept in ``findings``.
    hidden: int = 0

    @property
    def left_by_design(self) -> bool:
        """Not a gap when not run: left out by the user's choice, or not applicable."""
        return self.by_choice or self.inapplicable

    @property
    def id(self) -> str:
        """The id of the check, judge or watcher this is the result of."""
        return enforcer_id(self.requirement, self.name)

    @property
    def all_notes(self) -> list[str]:
        """What a report shows under the result: its notes, then how many findings were
        counted but not kept."""
        if not self.hidden:
            return list(self.notes)
        return [*self.notes, f"{self.hidden} more finding(s) not shown (counted, not kept)"]


#: What the reports call a requirement that passed on what ran while one of its checks was not
#: run for a reason other than the profile: ``--strict`` counts it as not fully run, so no
#: report may call it plainly "passed".
PARTIAL = "partial"


@dataclass
class RequirementResult:
    """Everything the run learnt about one requirement."""

    requirement: str
    outcome: Outcome
    reason: str
    checks: list[CheckResult]

    @property
    def findings(self) -> list[Finding]:
        return [finding for check in self.checks for finding in check.findings]

    @property
    def notes(self) -> list[str]:
        return [note for check in self.checks for note in check.all_notes]

    @property
    def gaps(self) -> list[CheckResult]:
        """Checks of this requirement that were not run for a reason other than the user's
        choice of profile or the rule not applying: what ``--strict`` turns into a failure."""
        return [c for c in self.checks if c.outcome is Outcome.NOT_RUN and not c.left_by_design]

    @property
    def partly_run(self) -> bool:
        """Passed on what ran, with a check not run for a reason other than the profile: the
        reports label it ``partial``, and ``--strict`` counts it as not fully run."""
        return self.outcome is Outcome.PASSED and bool(self.gaps)


def combine(requirement: str, checks: Iterable[CheckResult]) -> RequirementResult:
    """One requirement's outcome from its checks' outcomes.

    Failed wins (the target deviated, whatever else happened); then error (the suite broke, so
    "passed" cannot be claimed); then passed if any check judged something; a requirement whose
    every check is unsupported is unsupported; otherwise not run, with the reasons joined.
    """
    checks = list(checks)
    outcomes = {check.outcome for check in checks}
    if Outcome.FAILED in outcomes:
        count = sum(len(check.findings) for check in checks)
        return RequirementResult(requirement, Outcome.FAILED, f"{count} finding(s)", checks)
    if Outcome.ERROR in outcomes:
        reasons = "; ".join(c.reason for c in checks if c.outcome is Outcome.ERROR)
        return RequirementResult(requirement, Outcome.ERROR, reasons, checks)
    if Outcome.PASSED in outcomes:
        skipped = "; ".join(
            f"{c.name} not run: {c.reason}" for c in checks if c.outcome is Outcome.NOT_RUN
        )
        return RequirementResult(requirement, Outcome.PASSED, skipped, checks)
    if checks and outcomes == {Outcome.UNSUPPORTED}:
        return RequirementResult(requirement, Outcome.UNSUPPORTED, checks[0].reason, checks)
    reasons = "; ".join(dict.fromkeys(c.reason for c in checks if c.reason)) or "no check selected"
    return RequirementResult(requirement, Outcome.NOT_RUN, reasons, checks)


def per_requirement(results: list[CheckResult]) -> dict[str, RequirementResult]:
    """Results grouped by requirement, in catalogue order, each combined into one outcome."""
    by_id: dict[str, list[CheckResult]] = {}
    for result in results:
        by_id.setdefault(result.requirement, []).append(result)
    return {
        req.id: combine(req.id, by_id[req.id])
        for req in spec.requirements()
        if req.id in by_id
    }


#: Why every check of a plan (``--plan``) is not run.
PLAN_ONLY = "plan only: nothing was sent"


def conclude(result: CheckResult, nothing_judged: str, *, plan: bool = False) -> CheckResult:
    """A check's, judge's or watcher's outcome from what it recorded, by one rule for all:
    failed with findings (kept or only counted), passed when it judged something, otherwise
    not run with the reason it had, else ``nothing_judged``. In a plan nothing was sent."""
    if plan:
        result.outcome, result.reason = Outcome.NOT_RUN, PLAN_ONLY
    elif result.findings or result.hidden:
        result.outcome, result.reason = Outcome.FAILED, ""
    elif result.judged:
        result.outcome, result.reason = Outcome.PASSED, ""
    else:
        result.outcome = Outcome.NOT_RUN
        result.reason = result.reason or nothing_judged
    return result


def merge(
    pieces: Iterable[CheckResult], cap: int, nothing_judged: Callable[[CheckResult], str]
) -> list[CheckResult]:
    """One result per enforcer from results over parts of a run (one per check, or per
    process), as one enforcer watching the whole run would have given: exchanges, judged
    answers, durations and hidden findings add up, findings are kept up to ``cap`` and the rest
    counted, and the outcome follows ``conclude``."""
    merged: dict[str, CheckResult] = {}
    for part in pieces:
        into = merged.setdefault(
            part.id, CheckResult(part.requirement, part.name, Outcome.NOT_RUN)
        )
        into.exchanges += part.exchanges
        into.judged += part.judged
        into.duration_s += part.duration_s
        room = max(cap - len(into.findings), 0)
        into.findings.extend(part.findings[:room])
        into.hidden += part.hidden + max(len(part.findings) - room, 0)
        into.notes.extend(note for note in part.notes if note not in into.notes)
    return [conclude(result, nothing_judged(result)) for result in merged.values()]
