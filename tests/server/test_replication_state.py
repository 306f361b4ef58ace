"""The replication state model: scenarios, invariants, reindex and recover state machines."""

from __future__ import annotations

import re
import threading
from datetime import datetime

import pytest

from replcheck import spec
from replcheck.reference_server.config import PeerConfig, SectionConfig, ServerConfig
from replcheck.reference_server.core import VaultCore
from replcheck.reference_server.states import STATES

from .conftest import ManualClock, status_data, vault

SCENARIOS = list(STATES)


def check_invariants(data: dict) -> None:
    """What the docs imply about any status document, beyond its schema."""
    if set(data) == {"mode"}:
        assert data["mode"] == "disabled"
        return
    for section in data.values():
        if section["mode"] == "disabled":
            assert section == {"mode": "disabled"}
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", section["merkle_root"])
        int(section["last_reindex_epoch"])
        int(section["last_corruption_check_epoch"])
        peers = section.get("secondaries", []) + section.get("primaries", [])
        for peer in peers:
            assert datetime.fromisoformat(peer["last_heartbeat"]).tzinfo is not None
            for key in ("clock_skew_ms", "last_heartbeat_duration_ms",
                        "replication_primary_canary_age_ms"):
                int(peer[key])
        if section["mode"] == "primary":
            assert section["known_secondaries"] == [p["node_id"] for p in section["secondaries"]]
            assert section["last_dr_wal"] == section["last_wal"]
            assert section["last_performance_wal"] <= section["last_dr_wal"]
            assert section["state"] == "running"
        elif not section["primary_cluster_addr"]:
            # No primary: idle, and nothing received from a primary to report (Vault 1.21).
            assert section["state"] == "idle" and section["primaries"] == []
            assert {"last_remote_wal", "connection_state", "last_start"}.isdisjoint(section)
        else:
            assert datetime.fromisoformat(section["last_start"]).tzinfo is not None
            if section["state"] == "stream-wals":
                assert section["connection_state"] == "ready"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_validates_and_holds_the_invariants(make_client, scenario):
    client = make_client(scenario=scenario)
    check_invariants(status_data(client))


def test_scenario_shapes(make_client):
    assert status_data(make_client(scenario="community")) == {"mode": "disabled"}
    assert status_data(make_client(scenario="disabled")) == {
        "dr": {"mode": "disabled"}, "performance": {"mode": "disabled"}
    }
    idle = status_data(make_client(scenario="dr-secondary-idle"))["dr"]
    assert idle["mode"] == "secondary" and idle["state"] == "idle"
    assert idle["primaries"] == [] and idle["primary_cluster_addr"] == ""
    assert idle["secondary_id"] == "" and idle["known_primary_cluster_addrs"] is None
    # The members Vault 1.21 Enterprise answers for it (the spec's example), and no others.
    sample = spec.example("status-dr-secondary-idle")["data"]["dr"]
    assert set(idle) == set(sample) and "last_remote_wal" not in idle
    perf = status_data(make_client(scenario="perf-secondary"))
    assert perf["dr"]["mode"] == "primary"
    assert perf["performance"]["mode"] == "secondary"
    assert perf["performance"]["state"] == "stream-wals"


def test_community_answers_enterprise_only_after_auth(make_client):
    client = make_client(scenario="community")
    root = {"X-Vault-Token": vault(client).root_token}
    for path in ("/v1/sys/replication/recover", "/v1/sys/replication/reindex"):
        assert client.post(path).status_code == 403
        response = client.post(path, headers=root)
        assert response.status_code == 404
        assert response.json() == {"errors": ["enterprise-only feature"]}


def test_community_checks_sudo_before_answering_enterprise_only(make_client):
    client = make_client(scenario="community")
    root = {"X-Vault-Token": vault(client).root_token}
    client.put("/v1/sys/policies/acl/ops", headers=root,
               json={"policy": 'path "sys/replication/*" { capabilities = ["update"] }'})
    token = client.post("/v1/auth/token/create", headers=root,
                        json={"policies": "ops"}).json()["auth"]["client_token"]
    headers = {"X-Vault-Token": token}
    assert client.post("/v1/sys/replication/reindex", headers=headers).status_code == 403
    assert client.post("/v1/sys/replication/recover", headers=headers).status_code == 404


def test_wal_advances_with_writes_and_never_goes_back(client, root):
    before = status_data(client)["dr"]
    for _ in range(3):
        client.put("/v1/sys/policies/acl/p", headers=root,
                   json={"policy": 'path "x" { capabilities = ["read"] }'})
    client.post("/v1/auth/token/create", headers=root, json={})
    after = status_data(client)["dr"]
    assert after["last_wal"] == before["last_wal"] + 4
    # Policies replicate to performance secondaries; tokens are local to the cluster.
    assert after["last_performance_wal"] == before["last_performance_wal"] + 3
    assert after["merkle_root"] != before["merkle_root"]
    assert status_data(client)["dr"]["last_wal"] == after["last_wal"]  # reads do not write


def test_cluster_ids_are_stable_and_heartbeats_refresh(client, clock):
    first = status_data(client)
    clock.advance(10)
    second = status_data(client)
    for name in ("dr", "performance"):
        assert first[name]["cluster_id"] == second[name]["cluster_id"]
        old = datetime.fromisoformat(first[name]["secondaries"][0]["last_heartbeat"])
        new = datetime.fromisoformat(second[name]["secondaries"][0]["last_heartbeat"])
        assert (new - old).total_seconds() == 10


def test_status_is_cached_but_never_stale(client, root, clock):
    first = client.get("/v1/sys/replication/status").json()["data"]
    assert client.get("/v1/sys/replication/status").json()["data"] == first
    client.post("/v1/sys/replication/recover", headers=root)
    assert client.get("/v1/sys/replication/status").json()["data"] != first


def reindex_steps(client, clock, step: float) -> list[tuple[str, int, int]]:
    seen = []
    while True:
        section = status_data(client)["performance"]
        if not section.get("reindex_in_progress"):
            return seen
        seen.append((section["reindex_stage"], section["reindex_building_progress"],
                     section["reindex_building_total"]))
        clock.advance(step)


def test_reindex_runs_through_the_stages_and_records_its_epoch(client, root, clock):
    assert status_data(client)["dr"]["last_reindex_epoch"] == "0"
    response = client.post("/v1/sys/replication/reindex", headers=root, json={})
    assert response.status_code == 200
    started = clock.now
    seen = reindex_steps(client, clock, 0.005)
    stages = [stage for stage, _, _ in seen]
    assert list(dict.fromkeys(stages)) == ["scanning", "building", "wal-replay", "commit"]
    progress = [built for _, built, _ in seen]
    assert progress == sorted(progress)
    assert progress[-1] == seen[-1][2] > 0
    data = status_data(client)
    for name in ("dr", "performance"):
        assert int(data[name]["last_reindex_epoch"]) >= int(started)
        assert "reindex_stage" not in data[name]
    assert data["dr"]["last_corruption_check_epoch"] == "-62135596800"


def test_reindex_status_during_a_run_validates(client, root, clock):
    client.post("/v1/sys/replication/reindex", headers=root, json={"diff": True})
    clock.advance(0.04)
    data = status_data(client)
    assert data["dr"]["reindex_stage"] == "building"
    assert 0 < data["dr"]["reindex_building_progress"] < data["dr"]["reindex_building_total"]
    check_invariants(data)


@pytest.mark.parametrize(
    ("flags", "units"),
    [({}, 5), ({"skip_flush": True}, 4), ({"diff": True}, 7), ({"force": True}, 6),
     ({"diff": True, "force": True, "skip_flush": True}, 7)],
)
def test_reindex_flags_change_the_work(client, root, clock, flags, units):
    client.post("/v1/sys/replication/reindex", headers=root, json=flags)
    job = vault(client).replication.job
    assert job.finish - job.started == pytest.approx(units * 0.03)


def test_diff_reindex_records_a_corruption_check(client, root, clock):
    client.post("/v1/sys/replication/reindex", headers=root, json={"diff": "t"})
    clock.advance(1)
    data = status_data(client)
    assert data["dr"]["last_corruption_check_epoch"] == data["dr"]["last_reindex_epoch"]
    assert data["dr"]["corrupted_merkle_tree"] is False


def test_a_second_reindex_while_one_runs_is_refused(client, root, clock):
    assert client.post("/v1/sys/replication/reindex", headers=root).status_code == 200
    busy = client.post("/v1/sys/replication/reindex", headers=root)
    assert busy.status_code == 400
    assert "already in progress" in busy.json()["errors"][0]
    clock.advance(1)
    assert client.post("/v1/sys/replication/reindex", headers=root).status_code == 200


def test_recover_on_a_healthy_cluster_says_so(client, root):
    warnings = client.post("/v1/sys/replication/recover", headers=root).json()["warnings"]
    assert warnings == ["replication is healthy; recovery found nothing to repair"]


def test_recover_reconnects_a_disconnected_secondary(client, root, clock):
    vault(client).replication.disconnect_peer("dr", "3")
    frozen = status_data(client)["dr"]["secondaries"][0]
    assert frozen["connection_status"] == "disconnected"
    clock.advance(30)
    later = status_data(client)["dr"]["secondaries"][0]
    assert later["last_heartbeat"] == frozen["last_heartbeat"]
    assert int(later["replication_primary_canary_age_ms"]) >= 30_000 - 2_000
    warnings = client.post("/v1/sys/replication/recover", headers=root).json()["warnings"]
    assert any("reconnected secondary '3'" in w for w in warnings)
    peer = status_data(client)["dr"]["secondaries"][0]
    assert peer["connection_status"] == "connected"
    assert peer["last_heartbeat"] > frozen["last_heartbeat"]


def test_recover_restarts_a_stopped_secondary_stream(make_client, clock):
    client = make_client(scenario="perf-secondary")
    root = {"X-Vault-Token": vault(client).root_token}
    vault(client).replication.stop_stream("performance")
    stopped = status_data(client)["performance"]
    assert stopped["state"] == "idle" and stopped["connection_state"] == "transient_failure"
    assert stopped["primaries"][0]["connection_status"] == "disconnected"
    # Writes while the stream is stopped reach the primary but do not come back.
    client.put("/v1/sys/policies/acl/p", headers=root,
               json={"policy": 'path "x" { capabilities = ["read"] }'})
    assert status_data(client)["performance"]["last_remote_wal"] == stopped["last_remote_wal"]
    clock.advance(5)
    warnings = client.post("/v1/sys/replication/recover", headers=root).json()["warnings"]
    assert any("restarted replication" in w and "caught up 1 WAL" in w for w in warnings)
    healthy = status_data(client)["performance"]
    assert healthy["state"] == "stream-wals" and healthy["connection_state"] == "ready"
    assert healthy["last_remote_wal"] == stopped["last_remote_wal"] + 1
    assert healthy["primaries"][0]["connection_status"] == "connected"
    assert healthy["last_start"] > stopped["last_start"]
    check_invariants(status_data(client))


def test_recover_on_an_idle_secondary_explains_why_nothing_happened(make_client):
    """The state model's answer (over HTTP a DR secondary refuses recover before it runs)."""
    client = make_client(scenario="dr-secondary-idle")
    warnings = vault(client).replication.recover()
    assert "no primary to connect to" in warnings[0]


def test_recover_with_replication_disabled(make_client):
    client = make_client(scenario="disabled")
    root = {"X-Vault-Token": vault(client).root_token}
    warnings = client.post("/v1/sys/replication/recover", headers=root).json()["warnings"]
    assert "not enabled" in warnings[0]


def test_config_topology_overrides_the_scenario(make_client):
    client = make_client(
        dr=SectionConfig(
            mode="primary", cluster_id="11111111-2222-3333-4444-555555555555",
            peers=[PeerConfig(node_id="a", api_address="https://a:8200",
                              cluster_address="https://a:8201"),
                   PeerConfig(node_id="b", api_address="https://b:8200",
                              cluster_address="https://b:8201",
                              connection_status="disconnected", clock_skew_ms=-3)],
        ),
    )
    data = status_data(client)
    assert data["dr"]["cluster_id"] == "11111111-2222-3333-4444-555555555555"
    assert data["dr"]["known_secondaries"] == ["a", "b"]
    assert data["dr"]["secondaries"][1]["connection_status"] == "disconnected"
    assert data["dr"]["secondaries"][1]["clock_skew_ms"] == "-3"
    assert data["performance"]["mode"] == "primary"  # from the scenario


def test_concurrent_reads_never_see_a_torn_state():
    """Writers and a reindex race readers; every snapshot is internally consistent."""
    clock = ManualClock()
    core = VaultCore(ServerConfig(reindex_stage_seconds=0.001), clock=clock)
    replication = core.replication
    validator = spec.validator("status")
    errors: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            replication.record_write(replicated=True)
            replication.disconnect_peer("dr")
            replication.recover()

    def reindexer() -> None:
        while not stop.is_set():
            if not replication.reindex_in_progress():
                replication.start_reindex(diff=True, force=False, skip_flush=False)
            clock.advance(0.0005)

    threads = [threading.Thread(target=writer), threading.Thread(target=reindexer)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(300):
            data = replication.status()
            validator.validate({"data": data})
            dr, perf = data["dr"], data["performance"]
            if dr["last_wal"] != perf["last_wal"] or dr.get("reindex_stage") != perf.get(
                "reindex_stage"
            ):
                errors.append(f"torn snapshot: {dr['last_wal']} vs {perf['last_wal']}")
            check_invariants(data)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
