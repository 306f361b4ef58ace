"""The topology gate must catch every broken replication set
(``replcheck.reference_server.broken.topology``), naming exactly the right requirements, and
judge the reference topologies CONFORMANT.

- ``test_gate_catches``: a topology run (``run_topology``, in process, on the broken set)
  fails each id of the entry's ``must_fail`` and nothing outside ``must_fail`` + ``may_fail``,
  and then a direct probe sees the deviation on that set (the zoo itself is right);
- ``test_deviation_is_not_on_the_reference``: the same probe does not see it on the reference
  topology;
- ``test_serve_break_*``: ``replcheck serve --topology NAME --break BROKEN`` lists, refuses in
  one sentence, and serves the deviation (one process, as a user runs it);
- ``test_every_topology_requirement_is_proven``: every ``TOPOLOGY-*`` id is in some entry's
  ``must_fail``;
- ``test_reference_topology_is_conformant``: dr-pair, perf-pair and six-cluster in the safe
  and the full profile, and dr-pair with the failover drill.

Short lags (the reference's default 50 ms) and short bounds (``TopologySettings``) keep it fast.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.topology.relations import TopologySettings
from replcheck.conformance.topology.run import run_topology
from replcheck.conformance.topology.targets import ClusterTarget, Targets
from replcheck.reference_server.broken.topology import BROKEN_SETS, BrokenSet, SetProbe
from replcheck.reference_server.topology.definition import Topology, load
from replcheck.reference_server.topology.runtime import TopologyServer

BASES = sorted({entry.base for entry in BROKEN_SETS})


@pytest.fixture(scope="module")
def references() -> Iterator[dict[str, TopologyServer]]:
    """One running reference set per base topology, shared by the probes."""
    servers = {base: TopologyServer(load(base)).start() for base in BASES}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _shows(entry: BrokenSet, server: TopologyServer, *, settle: bool = True) -> bool:
    """The entry's probe on ``server`` (``settle``: wait out a just-started set's merkle
    phases first; a set that has just been judged is past them)."""
    probe = SetProbe(server)
    if settle:
        probe.settle()
    try:
        return entry.shows(probe)
    finally:
        probe.close()


@pytest.mark.parametrize("entry", BROKEN_SETS, ids=lambda e: e.name)
def test_deviation_is_not_on_the_reference(entry: BrokenSet,
                                           references: dict[str, TopologyServer]) -> None:
    """The probe's other half (``test_gate_catches`` probes each broken set after its run)."""
    assert not _shows(entry, references[entry.base]), (
        f"{entry.name}: the probe sees the deviation on the reference {entry.base}")


def test_serve_break_lists_the_sets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--topology", "dr-pair", "--break", "list"]) == 0
    out = capsys.readouterr().out
    for entry in BROKEN_SETS:
        assert entry.name in out and entry.must_fail[0] in out


@pytest.mark.parametrize(("flags", "words"), [
    (["--topology", "dr-pair", "--break", "merkel-loop"],
     ["is not a broken replication set", "did you mean merkle-loop?"]),
    (["--topology", "dr-pair", "--break", "no-primary-addrs"],
     ["is the topology 'perf-pair'", "--topology perf-pair --break no-primary-addrs"]),
    (["--break", "merkle-loop"], ["is not a broken server"]),
])
def test_serve_break_refuses_in_one_sentence(flags: list[str], words: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err


def test_serve_break_serves_the_broken_set_and_says_so_first() -> None:
    """The command itself (a process, as a user runs it): the loud line, then the set's
    banner, and the deviation served on the cluster it concerns."""
    script = Path(sys.executable).with_name("replcheck")
    process = subprocess.Popen(
        [str(script), "serve", "--topology", "dr-pair", "--break", "one-sided-link",
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("    $ export VAULT_ADDR"):
                break
        assert lines[0].startswith("*** DELIBERATELY BROKEN REPLICATION SET (--topology dr-pair "
                                   "--break one-sided-link)")
        urls = re.findall(r"Api Address: (\S+)", "".join(lines))
        primary, secondary = (httpx.get(f"{url}/v1/sys/replication/dr/status").json()["data"]
                              for url in urls)
        assert {p["connection_status"] for p in primary["secondaries"]} == {"disconnected"}
        assert {p["connection_status"] for p in secondary["primaries"]} == {"connected"}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 143


# --- the gate against the zoo ------------------------------------------------------------------

#: Bounds short enough for the zoo, long enough for a set served in this process: a set just
#: set up streams after 0.1 s, a write arrives after 50 ms.
CONVERGE_S = 1.2
WATCH_INTERVAL_S = 0.1
FAST = TopologySettings(converge_timeout_s=CONVERGE_S)


def _roles(topology: Topology) -> dict[str, dict[str, str]]:
    roles: dict[str, dict[str, str]] = {c.name: {"dr": "disabled", "performance": "disabled"}
                                        for c in topology.clusters}
    for link in topology.links:
        roles[link.primary][link.mode] = "primary"
        roles[link.secondary][link.mode] = "secondary"
    return roles


def targets_of(server: TopologyServer,
               roles: Mapping[str, Mapping[str, str]] | None = None) -> Targets:
    """The running set as a targets file would name it (each cluster's root token)."""
    runtime = server.runtime
    return Targets(
        tuple(ClusterTarget(name, Settings(url=cluster.url, token=cluster.root_token),
                            "$VAULT_TOKEN", dict((roles or {}).get(name, {})))
              for name, cluster in runtime.clusters.items()),
        f"the zoo's {runtime.topology.name}",
        unseal_keys=tuple(next(iter(runtime.clusters.values())).core.unseal_keys),
    )


def gate(server: TopologyServer, profile: str, *, roles: Mapping[str, Mapping[str, str]]
         | None = None, watch: float = 0.0, bounds: Mapping[str, Any] | None = None,
         drill: str | None = None) -> RunResult:
    settings = Settings(profile=profile, converge_timeout=CONVERGE_S,  # type: ignore[arg-type]
                        watch=watch or None,
                        watch_interval=WATCH_INTERVAL_S if watch else None)
    relations = dataclasses.replace(FAST, **dict(bounds or {}))
    return run_topology(targets_of(server, roles), settings, bounds=relations, drill=drill)


def failed_ids(result: RunResult) -> set[str]:
    return {rid for rid, requirement in result.results.items()
            if requirement.outcome is Outcome.FAILED}


def summary(result: RunResult) -> str:
    lines = [result.verdict_sentence]
    for check in result.checks:
        if check.outcome in (Outcome.FAILED, Outcome.ERROR):
            found = check.findings[0].message if check.findings else check.reason
            lines.append(f"  {check.requirement} [{check.name}]: {check.outcome.value} {found}")
    return "\n".join(lines)


@pytest.mark.parametrize("entry", BROKEN_SETS, ids=lambda e: e.name)
def test_gate_catches(entry: BrokenSet) -> None:
    with entry.server() as broken:
        result = gate(broken, entry.profile, roles=entry.expect_roles or None,
                      watch=entry.watch_s, bounds=entry.settings)
        assert _shows(entry, broken, settle=False), (
            f"{entry.name}: the probe does not see the deviation")
    failed = failed_ids(result)
    assert result.exit_code == 1, summary(result)
    assert set(entry.must_fail) <= failed, (
        f"{entry.name}: not failed {sorted(set(entry.must_fail) - failed)}\n{summary(result)}")
    unexpected = failed - set(entry.must_fail) - set(entry.may_fail)
    assert not unexpected, f"{entry.name}: also failed {sorted(unexpected)}\n{summary(result)}"
    errors = [c for c in result.checks if c.outcome is Outcome.ERROR]
    assert not errors, summary(result)


def test_every_topology_requirement_is_proven() -> None:
    topology_ids = {r.id for r in spec.requirements() if r.id.startswith("TOPOLOGY-")}
    proven = {rid for entry in BROKEN_SETS for rid in entry.must_fail}
    assert topology_ids, "the catalogue has no TOPOLOGY-* requirement"
    assert topology_ids <= proven, f"in no must_fail: {sorted(topology_ids - proven)}"
    known = {r.id for r in spec.requirements()}
    for entry in BROKEN_SETS:
        assert set(entry.must_fail) | set(entry.may_fail) <= known, entry.name
        for name in entry.settings:
            assert name in {f.name for f in dataclasses.fields(TopologySettings)}, name


@pytest.mark.parametrize(("name", "profile"), [
    (name, profile) for name in ("dr-pair", "perf-pair", "six-cluster")
    for profile in ("safe", "full")])
def test_reference_topology_is_conformant(name: str, profile: str) -> None:
    topology = load(name)
    with TopologyServer(topology) as server:
        result = gate(server, profile, roles=_roles(topology))
    assert result.exit_code == 0, summary(result)
    judged = {rid for rid, r in result.results.items() if r.outcome is Outcome.PASSED}
    assert "TOPOLOGY-EXPECTED-ROLES" in judged
    active = {"TOPOLOGY-WRITE-REACHES", "TOPOLOGY-REINDEX-RECOVERS", "TOPOLOGY-RECOVER"}
    if profile == "full":
        assert active <= judged, summary(result)
    else:
        assert not active & judged


def test_dr_pair_is_conformant_after_the_failover_drill() -> None:
    topology = load("dr-pair")
    with TopologyServer(topology) as server:
        result = gate(server, "full", roles=_roles(topology), drill="failover")
        after = SetProbe(server)
        try:
            primary, secondary = after.section("primary", "dr"), after.section("secondary", "dr")
        finally:
            after.close()
    assert result.exit_code == 0, summary(result)
    for rid in ("DR-FAILOVER", "DR-OPERATION-TOKEN-REQUIRED", "DR-OPERATION-TOKEN-GENERATION",
                "DR-SECONDARY-TOKEN-WRAPPED", "TOPOLOGY-ONE-PRIMARY"):
        assert result.results[rid].outcome is Outcome.PASSED, summary(result)
    # Failed over and back: the first primary leads again, its secondary streams from it.
    assert primary["mode"] == "primary" and secondary["mode"] == "secondary"
    assert secondary["state"] == "stream-wals"
    assert secondary["cluster_id"] == primary["cluster_id"]
    assert secondary["secondary_id"] in primary["known_secondaries"]
