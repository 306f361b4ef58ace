"""Each fault of a topology, both ways: the deviation it produces in the status documents, and
the same topology without it (and, for the link faults, after it is lifted)."""

from __future__ import annotations

from typing import Any

from topology_clusters import SETTLE, Cluster, topology

from replcheck.reference_server.topology.definition import load, parse_fault


def _faults(name: str, *texts: str) -> tuple[Any, ...]:
    return tuple(parse_fault(text, load(name)) for text in texts)


def _write(primary: Cluster, key: str = "app") -> None:
    assert primary.put(f"secret/{key}", {"v": key}).status_code == 204


def test_partition_cuts_the_link_until_it_is_lifted() -> None:
    with topology("dr-pair", faults=_faults("dr-pair", "partition@secondary")) as (
        clusters, clock
    ):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        s = secondary.section("dr")
        assert s["state"] == "idle" and s["connection_state"] == "transient_failure"
        assert s["primaries"][0]["connection_status"] == "disconnected"
        p = primary.section("dr")
        assert p["secondaries"][0]["connection_status"] == "disconnected"
        heartbeat = p["secondaries"][0]["last_heartbeat"]
        _write(primary)
        clock.advance(10)
        assert primary.section("dr")["secondaries"][0]["last_heartbeat"] == heartbeat
        assert secondary.section("dr")["merkle_root"] != primary.section("dr")["merkle_root"]
        assert secondary.core.node.kv == {}
        assert secondary.server.network.lift_fault("partition", "secondary")
        assert secondary.section("dr")["state"] == "merkle-diff"
        clock.advance(SETTLE)
        healed = secondary.section("dr")
        assert healed["state"] == "stream-wals" and healed["connection_state"] == "ready"
        assert healed["merkle_root"] == primary.section("dr")["merkle_root"]
        assert primary.section("dr")["secondaries"][0]["connection_status"] == "connected"


def test_without_faults_the_link_streams_and_heartbeats() -> None:
    with topology("dr-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        heartbeat = primary.section("dr")["secondaries"][0]["last_heartbeat"]
        _write(primary)
        clock.advance(10)
        p, s = primary.section("dr"), secondary.section("dr")
        assert p["secondaries"][0]["last_heartbeat"] != heartbeat
        assert s["primaries"][0]["last_heartbeat"] == p["secondaries"][0]["last_heartbeat"]
        assert s["state"] == "stream-wals" and s["merkle_root"] == p["merkle_root"]
        assert s["last_remote_wal"] == p["last_dr_wal"]
        assert s["primaries"][0]["clock_skew_ms"] == "0"


def test_a_stalled_stream_stays_in_stream_wals_but_falls_behind() -> None:
    with topology("perf-pair", faults=_faults("perf-pair", "stalled-stream@secondary")) as (
        clusters, clock
    ):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        _write(primary)
        clock.advance(5)
        p, s = primary.section("performance"), secondary.section("performance")
        assert s["state"] == "stream-wals" and s["connection_state"] == "ready"
        assert s["primaries"][0]["connection_status"] == "connected"
        assert s["last_remote_wal"] < p["last_performance_wal"]
        assert s["merkle_root"] != p["merkle_root"]
        assert secondary.get("secret/app").status_code == 404


def test_a_merkle_loop_never_reaches_stream_wals() -> None:
    with topology("dr-pair", faults=_faults("dr-pair", "merkle-loop@secondary:dr")) as (
        clusters, clock
    ):
        secondary = clusters["secondary"]
        seen = set()
        for _ in range(12):
            clock.advance(0.7)
            seen.add(secondary.section("dr")["state"])
        assert seen == {"merkle-diff", "merkle-sync"}


def test_stopped_heartbeats_leave_a_connected_peer_with_an_old_heartbeat() -> None:
    with topology("dr-pair", faults=_faults("dr-pair", "stopped-heartbeats@secondary")) as (
        clusters, clock
    ):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        before = primary.section("dr")["secondaries"][0]
        clock.advance(30)
        after = primary.section("dr")["secondaries"][0]
        assert after["connection_status"] == "connected"
        assert after["last_heartbeat"] == before["last_heartbeat"]
        assert int(after["replication_primary_canary_age_ms"]) >= 30_000
        assert secondary.section("dr")["primaries"][0]["last_heartbeat"] == \
            after["last_heartbeat"]


def test_clock_skew_shows_on_both_sides() -> None:
    faults = _faults("six-cluster", "clock-skew@C:performance=5000")
    with topology("six-cluster", faults=faults) as (clusters, clock):
        clock.advance(SETTLE)
        c = clusters["C"].section("performance")
        assert c["primaries"][0]["clock_skew_ms"] == "5000"
        a = {p["node_id"]: p for p in clusters["A"].section("performance")["secondaries"]}
        assert a["C"]["clock_skew_ms"] == "5000" and a["E"]["clock_skew_ms"] == "0"
        assert clusters["D"].section("dr")["primaries"][0]["clock_skew_ms"] == "0"


def test_an_older_version_is_reported_by_that_cluster_only() -> None:
    faults = _faults("dr-pair", "older-version@secondary=1.15.0")
    with topology("dr-pair", faults=faults) as (clusters, _):
        primary, secondary = clusters["primary"], clusters["secondary"]
        assert secondary.http.get("sys/seal-status").json()["version"] == "1.15.0+ent"
        assert primary.http.get("sys/seal-status").json()["version"] == "1.17.3+ent"
    with topology("dr-pair") as (clusters, _):
        assert clusters["secondary"].http.get("sys/seal-status").json()["version"] == \
            "1.17.3+ent"
