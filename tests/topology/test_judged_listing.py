"""``judged: false`` in requirements.yaml holds to what a topology run judges: every
``scope: topology`` requirement a full run of the embedded six-cluster set and of dr-pair with
``--drill failover`` has a check for is marked judged, and every other one is marked
``judged: false`` (shown as ``spec.TOPOLOGY_UNJUDGED`` everywhere, never as pending)."""

from __future__ import annotations

from replcheck import spec
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.topology.relations import TopologySettings
from replcheck.conformance.topology.run import run_topology
from replcheck.conformance.topology.targets import ClusterTarget, Targets
from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.runtime import TopologyServer


def _judged(name: str, drill: str | None) -> set[str]:
    """The requirements a full run of the embedded set ``name`` has a check for (passed, failed,
    or not run for want of a second read or an expected role: a check that judges it exists)."""
    with TopologyServer(load(name)) as server:
        first = next(iter(server.runtime.clusters))
        targets = Targets(tuple(
            ClusterTarget(cluster, Settings(url=c.url, token=c.root_token))
            for cluster, c in server.runtime.clusters.items()), "test",
            unseal_keys=server.core(first).unseal_keys)
        result = run_topology(targets, Settings(profile="full", converge_timeout=5),
                              bounds=TopologySettings(), drill=drill)
    assert not [r for r in result.results.values() if r.outcome is Outcome.FAILED]
    return set(result.results)


def test_the_judged_field_matches_what_a_topology_run_judges() -> None:
    judged = _judged("six-cluster", None) | _judged("dr-pair", "failover")
    topology = [r for r in spec.requirements() if r.topology]
    assert {r.id for r in topology if r.judged} == {r.id for r in topology if r.id in judged}
    assert all(r.pending_reason == spec.TOPOLOGY_UNJUDGED for r in topology if not r.judged)
    assert not [r.id for r in spec.requirements() if not r.topology and not r.judged]
