"""The requirements only a topology gate can judge (``scope: topology`` in requirements.yaml).

A single-cluster run sees one target, so it cannot judge a promise about a replication set (an
activation token that makes a secondary join, a failover seen on both sides, a DR secondary's
refusals) nor drive the operations that change replication state: a topology run (``replcheck
run --topology``, ``replcheck.conformance.topology``) does. Every listing shows these
requirements as ``spec.TOPOLOGY_PENDING`` (how to judge them), or as ``spec.TOPOLOGY_UNJUDGED``
for those marked ``judged: false`` (no check of this release judges them yet): never passed,
never left out. A
single-cluster run records each one ``-k`` selects as not run with that reason, *by choice* (the
run's scope, like a profile), so ``--strict`` does not count it as a gap of this run.
"""

from __future__ import annotations

from replcheck import spec
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, enforcer_id
from replcheck.conformance.settings.selection import Selection

__all__ = ["GATE", "pending", "pending_results"]

#: The name a pending requirement's one result carries (its id: ``REQUIREMENT::topology_gate``).
GATE = "topology_gate"


def pending() -> list[spec.Requirement]:
    """The requirements of ``scope: topology``, in catalogue order."""
    return [requirement for requirement in spec.requirements() if requirement.topology]


def pending_results(selection: Selection | None = None) -> list[CheckResult]:
    """One not-run result per topology requirement ``selection`` keeps (all without one)."""
    return [
        CheckResult(
            requirement.id, GATE, Outcome.NOT_RUN, requirement.pending_reason or "",
            by_choice=True,
        )
        for requirement in pending()
        if selection is None or selection.matches(enforcer_id(requirement.id, GATE),
                                                  requirement.id)
    ]
