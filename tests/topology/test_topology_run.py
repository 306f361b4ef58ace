"""``run_topology`` against the reference topologies served in process: CONFORMANT sets read
secondary-first, an unreachable cluster named while the others are judged, faults caught by the
relation concerned, convergence polled, and ``--watch`` finding what only time shows."""

from __future__ import annotations

import dataclasses
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from replcheck.conformance.concurrency.interruption import RunInterrupted, StopRequest
from replcheck.conformance.engine.run_result import RunResult, Verdict
from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.topology.embedded import embedded_topology
from replcheck.conformance.topology.run import run_topology
from replcheck.conformance.topology.snapshot import Round
from replcheck.conformance.topology.targets import ClusterTarget, Targets
from replcheck.reference_server.topology.definition import FaultDef, load
from replcheck.reference_server.topology.network import NetworkSettings

#: Merkle phases long enough that the first read sees a secondary still converging.
SLOW_MERKLE = NetworkSettings(lag_seconds=0.05, merkle_diff_seconds=0.6, merkle_sync_seconds=0.6)


@contextmanager
def served(name: str, *faults: FaultDef,
           network: NetworkSettings | None = None) -> Iterator[Targets]:
    topology = dataclasses.replace(load(name), faults=tuple(faults))
    with embedded_topology(topology, Settings(), network) as targets:
        yield targets


def judged(targets: Targets, **settings: float) -> tuple[RunResult, list[Round]]:
    rounds: list[Round] = []
    result = run_topology(targets, Settings(profile="safe", **settings), rounds_out=rounds)
    return result, rounds


def outcomes(result: RunResult, requirement: str) -> dict[str, Outcome]:
    return {check.name: check.outcome for check in result.checks
            if check.requirement == requirement}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", ["dr-pair", "perf-pair", "six-cluster"])
def test_reference_topologies_are_conformant_read_secondary_first(name: str) -> None:
    with served(name) as targets:
        result, rounds = judged(targets, converge_timeout=20)
    assert result.verdict is Verdict.CONFORMANT, result.verdict_sentence
    assert result.exit_code == 0 and not result.unreachable
    links = load(name).links
    wal = outcomes(result, "TOPOLOGY-WAL-BOUND")
    assert set(wal) == {f"{link.mode}: {link.primary} -> {link.secondary}" for link in links}
    assert set(wal.values()) == {Outcome.PASSED}
    for round_ in rounds:
        order = [read.cluster for read in round_]
        for link in links:
            assert order.index(link.secondary) < order.index(link.primary), (order, link)
    assert result.requests_sent == 3 * len(targets.clusters) * len(rounds)
    assert all(rid.startswith("TOPOLOGY-") for rid in result.results)
    assert result.topology is not None
    assert {link.label: link.health for link in result.topology.links} == {
        label: "healthy" for label in wal}
    assert {c.name for c in result.topology.clusters} == {c.name for c in targets.clusters}


def test_an_unreachable_cluster_is_named_and_the_others_still_judged() -> None:
    with served("dr-pair") as targets:
        ghost = ClusterTarget("ghost", Settings(url=f"http://127.0.0.1:{closed_port()}"))
        result, _ = judged(Targets((*targets.clusters, ghost), "test"), converge_timeout=5)
    assert result.exit_code == 2
    assert list(result.unreachable) == ["ghost"]
    assert "ghost" in result.unreachable["ghost"] and "connect" in result.unreachable["ghost"]
    assert outcomes(result, "TOPOLOGY-WAL-BOUND") == {"dr: primary -> secondary": Outcome.PASSED}
    assert result.topology is not None
    ghost_view = next(c for c in result.topology.clusters if c.name == "ghost")
    assert ghost_view.error == result.unreachable["ghost"]


def test_the_same_set_all_reachable_exits_0() -> None:
    with served("dr-pair") as targets:
        result, _ = judged(targets, converge_timeout=5)
    assert result.exit_code == 0 and result.unreachable == {}


@pytest.mark.parametrize(
    ("fault", "requirement"),
    [
        (FaultDef("partition", "secondary"), "TOPOLOGY-HEALTHY-STATES"),
        (FaultDef("older-version", "secondary", value="1.10.0"), "TOPOLOGY-VERSION-ORDER"),
        (FaultDef("clock-skew", "secondary", value="5000"), "TOPOLOGY-CLOCK-SKEW"),
    ],
)
def test_a_fault_is_not_conformant_on_the_relation_concerned(fault: FaultDef,
                                                            requirement: str) -> None:
    with served("dr-pair", fault) as targets:
        result, _ = judged(targets, converge_timeout=0.5)
    assert result.verdict is Verdict.NOT_CONFORMANT, result.verdict_sentence
    assert result.exit_code == 1
    assert outcomes(result, requirement) == {"dr: primary -> secondary": Outcome.FAILED}
    assert result.topology is not None
    (link,) = result.topology.links
    assert link.health == "failing" and requirement in link.failed


def test_a_link_still_merkle_syncing_passes_once_it_streams() -> None:
    with served("dr-pair", network=SLOW_MERKLE) as targets:
        result, rounds = judged(targets, converge_timeout=20)
    first = rounds[0][0]
    assert first.cluster == "secondary"
    assert first.status is not None and first.status["dr"]["state"] in ("merkle-diff",
                                                                        "merkle-sync")
    assert len(rounds) > 1
    assert result.verdict is Verdict.CONFORMANT, result.verdict_sentence


def test_without_time_to_converge_the_merkle_syncing_link_fails() -> None:
    with served("dr-pair", network=SLOW_MERKLE) as targets:
        result, rounds = judged(targets, converge_timeout=0.1)
    assert len(rounds) == 1
    assert result.verdict is Verdict.NOT_CONFORMANT
    assert outcomes(result, "TOPOLOGY-HEALTHY-STATES") == {
        "dr: primary -> secondary": Outcome.FAILED}


def test_watch_finds_a_merkle_loop() -> None:
    with served("dr-pair", FaultDef("merkle-loop", "secondary"),
                network=NetworkSettings(merkle_diff_seconds=0.2, merkle_sync_seconds=0.2)
                ) as targets:
        result, rounds = judged(targets, converge_timeout=0.1, watch=2.5, watch_interval=0.15)
    assert len(rounds) >= 10
    assert outcomes(result, "TOPOLOGY-MERKLE-LOOP") == {"dr: primary -> secondary": Outcome.FAILED}


def test_without_watch_a_merkle_loop_is_not_judged() -> None:
    with served("dr-pair", FaultDef("merkle-loop", "secondary")) as targets:
        result, rounds = judged(targets, converge_timeout=0.1)
    assert len(rounds) == 1
    assert outcomes(result, "TOPOLOGY-MERKLE-LOOP") == {"dr: primary -> secondary":
                                                        Outcome.NOT_RUN}


def test_a_healthy_set_watched_has_no_merkle_loop() -> None:
    with served("dr-pair") as targets:
        result, rounds = judged(targets, converge_timeout=5, watch=1.0, watch_interval=0.2)
    assert len(rounds) >= 4
    assert outcomes(result, "TOPOLOGY-MERKLE-LOOP") == {"dr: primary -> secondary":
                                                        Outcome.PASSED}
    assert result.verdict is Verdict.CONFORMANT, result.verdict_sentence


def test_k_selects_requirements() -> None:
    with served("dr-pair") as targets:
        result = run_topology(targets, Settings(keyword="WAL-BOUND", converge_timeout=5))
    assert list(result.results) == ["TOPOLOGY-WAL-BOUND"]


class _StopWhileWatching:
    """A listener that asks the run to stop (as SIGINT would) once watching starts."""

    def __init__(self, stop: StopRequest) -> None:
        self.stop = stop

    def message(self, text: str) -> None:
        if text.startswith("watching"):
            self.stop.set(signal.SIGINT)

    def check_finished(self, result: CheckResult) -> None:
        pass


def test_an_interrupted_watch_keeps_what_was_judged() -> None:
    stop = StopRequest()
    with served("dr-pair") as targets, pytest.raises(RunInterrupted) as caught:
        run_topology(targets, Settings(converge_timeout=5, watch=5, watch_interval=0.1),
                     _StopWhileWatching(stop), stop)
    partial = caught.value.result
    assert isinstance(partial, RunResult)
    assert partial.verdict is Verdict.INTERRUPTED and partial.exit_code == 130
    assert outcomes(partial, "TOPOLOGY-WAL-BOUND") == {"dr: primary -> secondary": Outcome.PASSED}


def test_strict_fails_a_set_with_a_relation_that_had_nothing_to_judge() -> None:
    with served("dr-pair") as targets:
        loose = run_topology(targets, Settings(converge_timeout=5))
        strict = run_topology(targets, Settings(converge_timeout=5, strict=True))
    assert loose.verdict is Verdict.CONFORMANT
    assert strict.verdict is Verdict.NOT_CONFORMANT and "TOPOLOGY-MERKLE-LOOP" in strict.gaps
