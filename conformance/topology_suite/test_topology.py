"""One test per ``TOPOLOGY-*`` requirement per link (``dr: A -> B``) or per set, as the
topology run judged them: a failed relation fails its test with the findings, one not run is
skipped with its reason (never passed), and a cluster that could not be read fails
``test_every_cluster_read`` naming it.

The set is read and judged while the tests are collected (their ids name the links the set
has), once per session: ``replication_set`` fixtures of the same session share that run.
"""

from __future__ import annotations

import pytest

from replcheck.conformance.judging.outcomes import CheckResult
from replcheck.conformance.plugin_support.replication_set import NO_SET, NoSet, ReplicationSet
from replcheck.conformance.plugin_support.state import STATE
from replcheck.conformance.plugin_support.suite import conclude, raise_error


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "replcheck_topology_check" not in metafunc.fixturenames:
        return
    state = metafunc.config.stash[STATE]
    try:
        if state.replication is None:
            raise NoSet(NO_SET)
        checks = state.replication.replication_set().result.checks
    except NoSet as exc:
        # Raised here, pytest would print it as a collection error with a traceback: the
        # plugin ends the session with it as a usage error once the tests are collected.
        state.set_problem = str(exc)
        checks = []
    metafunc.parametrize("replcheck_topology_check", checks, ids=[c.id for c in checks])


def test_requirement(replcheck_topology_check: CheckResult, pytestconfig: pytest.Config) -> None:
    raise_error(replcheck_topology_check)
    conclude(replcheck_topology_check, strict=pytestconfig.stash[STATE].strict)


def test_every_cluster_read(replication_set: ReplicationSet) -> None:
    """Each cluster of the set that could not be read is named (the others are judged all the
    same, as ``replcheck run --topology`` exits 2 there)."""
    unreachable = replication_set.result.unreachable
    if unreachable:
        pytest.fail("replcheck: " + "; ".join(unreachable[name] for name in sorted(unreachable)),
                    pytrace=False)
