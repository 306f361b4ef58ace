"""The topology gate must catch every broken replication set
(``replcheck.reference_server.broken.topology``), naming exactly the right requirements, and
judge the reference topologies CONFORMANT.

- ``test_deviation_is_real``: a direct probe shows each deviation on the broken set and not on
  its reference topology (the zoo itself is right);
- ``test_gate_catches``: a topology run (``run_topology``, in process, on the embedded set)
  fails each id of the entry's ``must_fail`` and nothing outside ``must_fail`` + ``may_fail``;
- ``test_every_topology_requirement_is_proven``: every ``TOPOLOGY-*`` id is in some entry's
  ``must_fail``;
- ``test_reference_topology_is_conformant``: dr-pair, perf-pair and six-cluster in the safe
  and the full profile, and dr-pair with the failover drill.

Short lags (the reference's default 50 ms) and short bounds (``TopologySettings``) keep it fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replcheck.conformance.cli import main
from replcheck.reference_server.broken.topology import BROKEN_SETS, BrokenSet, SetProbe
from replcheck.reference_server.topology.definition import load
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


def _shows(entry: BrokenSet, server: TopologyServer) -> bool:
    probe = SetProbe(server)
    probe.settle()
    try:
        return entry.shows(probe)
    finally:
        probe.close()


@pytest.mark.parametrize("entry", BROKEN_SETS, ids=lambda e: e.name)
def test_deviation_is_real(entry: BrokenSet, references: dict[str, TopologyServer]) -> None:
    with entry.server() as broken:
        assert _shows(entry, broken), f"{entry.name}: the probe does not see the deviation"
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
