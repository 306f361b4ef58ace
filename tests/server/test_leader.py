"""``sys/leader``: the active node of an HA cluster, answering its own addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from replcheck.reference_server.addresses import api_address, cluster_address
from replcheck.reference_server.config import ConfigError, ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer
from replcheck.reference_server.handlers.leader import go_time

from .bao_raft import RaftOpenBao
from .conftest import vault

#: The members a Vault (and OpenBao) HA active node answers, without raft's indexes.
LEADER_MEMBERS = {"ha_enabled", "is_self", "active_time", "leader_address",
                  "leader_cluster_address", "performance_standby",
                  "performance_standby_last_remote_wal"}


def test_leader_answers_as_the_active_node_from_the_core_addresses(client, clock):
    core = vault(client)
    answer = client.get("/v1/sys/leader")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == LEADER_MEMBERS
    assert body["ha_enabled"] is True and body["is_self"] is True
    assert body["leader_address"] == "http://127.0.0.1:8200"
    assert body["leader_cluster_address"] == "https://127.0.0.1:8201"
    assert body["performance_standby"] is False
    assert datetime.fromisoformat(body["active_time"]).timestamp() == pytest.approx(clock.now)
    core.api_address, core.cluster_address = "https://a.example:8200", "https://a.example:8201"
    body = client.get("/v1/sys/leader").json()
    assert body["leader_address"] == "https://a.example:8200"
    assert body["leader_cluster_address"] == "https://a.example:8201"


def test_leader_needs_no_token_ignores_a_bad_one_and_serves_only_get(client):
    assert client.get("/v1/sys/leader", headers={"X-Vault-Token": "bogus"}).status_code == 200
    for method in ("POST", "PUT", "DELETE", "LIST"):
        refused = client.request(method, "/v1/sys/leader")
        assert refused.status_code == 405 and refused.json() == {"errors": []}
    assert client.get("/v1/sys/leader").json()["ha_enabled"] is True


def test_addresses_come_from_the_config_or_the_listener():
    assert api_address(ServerConfig()) == "http://127.0.0.1:8200"
    assert cluster_address(ServerConfig()) == "https://127.0.0.1:8201"
    assert cluster_address(ServerConfig(), 4000) == "https://127.0.0.1:4001"
    assert api_address(ServerConfig(host="::1"), 9) == "http://[::1]:9"
    fixed = ServerConfig(api_addr="https://v.example:443", cluster_addr="https://v.example:8201")
    assert api_address(fixed, 5) == "https://v.example:443"
    assert cluster_address(fixed, 5) == "https://v.example:8201"
    with pytest.raises(ConfigError, match="cluster_addr"):
        ServerConfig(cluster_addr="v.example:8201")


def test_an_embedded_server_reports_the_port_it_listens_on():
    with EmbeddedServer() as server:
        body = httpx.get(server.url + "/v1/sys/leader").json()
    assert body["leader_address"] == server.url
    assert body["leader_cluster_address"] == f"https://127.0.0.1:{server.port + 1}"


def test_go_time_is_rfc3339_with_trimmed_nanoseconds():
    assert go_time(0) == "1970-01-01T00:00:00Z"
    assert go_time(1.5) == "1970-01-01T00:00:01.5Z"
    moment = datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC).timestamp()
    assert go_time(moment) == "2026-01-02T03:04:05.12Z"


def test_the_member_set_is_a_real_ha_active_nodes(tmp_path):
    """OpenBao on raft (HA) answers the same members, plus the raft indexes it alone has."""
    with RaftOpenBao(tmp_path) as bao:
        real = bao.leader()
    assert real["ha_enabled"] is True and real["is_self"] is True
    assert set(real) - {"raft_committed_index", "raft_applied_index"} == LEADER_MEMBERS - {
        "performance_standby", "performance_standby_last_remote_wal"}
    # OpenBao leaves the two performance-standby members out when they are false/0 (its
    # omitempty); Vault's LeaderResponse always has them, as the reference answers.
    assert real["leader_address"] == bao.url
    assert real["leader_cluster_address"] == f"https://127.0.0.1:{bao.port + 1}"
