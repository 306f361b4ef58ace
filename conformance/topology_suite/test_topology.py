"""One test per ``TOPOLOGY-*`` requirement per link (``dr: A -> B``) or per set, as the
topology run judged them: a failed relation fails its test with the findings, one not run is
skipped with its reason (never passed), and ``test_set_judged`` fails naming each cluster
that could not be read, or when the run judged nothing at all.

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


def test_set_judged(replication_set: ReplicationSet) -> None:
    """The run judged the set: each cluster that could not be read is named (the others are
    judged all the same, as ``replcheck run --topology`` exits 2 there), and a run that judged
    no requirement at all fails here rather than passing on skips alone."""
    from replcheck.conformance.engine.run_result import Verdict

    result = replication_set.result
    problems = [result.unreachable[name] for name in sorted(result.unreachable)]
    if result.verdict is Verdict.NOTHING_JUDGED:
        problems.append(result.verdict_sentence)
    if problems:
        pytest.fail("replcheck: " + "; ".join(problems), pytrace=False)
