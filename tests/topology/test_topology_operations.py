"""The replication operations across clusters of a started topology, through HTTP.

Each operation is tested both ways: what it does, and its refusals, each of which leaves every
cluster exactly as it was (statuses, data, WAL, the DR refusal flag).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from topology_clusters import SETTLE, Cluster, snapshot, topology

from replcheck import spec
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer
from replcheck.reference_server.topology import activation

INVALID = "error unwrapping secondary token: wrapping token is not valid or does not exist"


def _valid(kind: str, document: Any) -> None:
    errors = list(spec.validator(kind).iter_errors(document))
    assert not errors, [e.message for e in errors]


def _token(primary: Cluster, mode: str = "dr", secondary_id: str = "secondary") -> str:
    answer = primary.post(f"sys/replication/{mode}/primary/secondary-token", {"id": secondary_id})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["wrap_info"]["token"]
    return token


def _leader_cluster_address(cluster: Cluster) -> str:
    address: str = cluster.http.get("sys/leader").json()["leader_cluster_address"]
    return address


def test_dr_pair_is_set_up_through_the_api() -> None:
    with topology("dr-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        p, s = primary.section("dr"), secondary.section("dr")
        assert p["mode"] == "primary" and s["mode"] == "secondary"
        assert s["cluster_id"] == p["cluster_id"]
        assert s["secondary_id"] == "secondary" and p["known_secondaries"] == ["secondary"]
        assert p["secondaries"][0]["node_id"] == "secondary"
        assert p["secondaries"][0]["api_address"] == secondary.url
        assert s["primaries"][0]["api_address"] == primary.url
        assert _leader_cluster_address(primary) in s["known_primary_cluster_addrs"]
        assert s["state"] == "merkle-diff"
        clock.advance(1.0)
        assert secondary.section("dr")["state"] == "merkle-sync"
        clock.advance(1.0)
        assert secondary.section("dr")["state"] == "stream-wals"
        assert secondary.section("dr")["connection_state"] == "ready"
        assert primary.section("dr")["merkle_root"] == secondary.section("dr")["merkle_root"]
        for cluster in clusters.values():
            _valid("status", {"data": cluster.status()} | _ENVELOPE)
        assert secondary.core.refuse_as_dr_secondary
        assert secondary.core.unseal_keys == primary.core.unseal_keys
        assert secondary.get("secret/x").json() == {
            "errors": ["path disabled in replication DR secondary mode"]}


_ENVELOPE = {"request_id": "5f0ea9b6-c5a1-4f3c-9d7e-2d8e1c4b7a10", "lease_id": "",
             "renewable": False, "lease_duration": 0, "wrap_info": None, "warnings": None,
             "auth": None}


def test_a_write_reaches_the_dr_secondary_after_the_lag() -> None:
    with topology("dr-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        assert secondary.section("dr")["last_remote_wal"] == 0
        assert primary.put("secret/app", {"password": "x"}).status_code == 204
        written = primary.section("dr")
        behind = secondary.section("dr")
        assert behind["merkle_root"] != written["merkle_root"]
        assert behind["last_remote_wal"] < written["last_dr_wal"]
        clock.advance(0.5)
        caught_up = secondary.section("dr")
        assert caught_up["merkle_root"] == written["merkle_root"]
        assert caught_up["last_remote_wal"] == written["last_dr_wal"] == written["last_wal"]
        assert secondary.core.node.kv == {"app": {"password": "x"}}


def test_a_performance_secondary_serves_replicated_data_with_its_own_tokens() -> None:
    with topology("perf-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        assert primary.put("secret/team", {"k": "v"}).status_code == 204
        policy = 'path "secret/*" { capabilities = ["read"] }'
        assert primary.put("sys/policies/acl/reader", {"policy": policy}).status_code == 204
        primary_token = primary.post("auth/token/create", {"policies": ["reader"]}).json()[
            "auth"]["client_token"]
        assert secondary.get("secret/team").status_code == 404  # not yet: the lag
        clock.advance(0.5)
        assert secondary.get("secret/team").json()["data"] == {"k": "v"}
        assert secondary.get("sys/policies/acl/reader").status_code == 200
        # Tokens are local to a performance cluster: the primary's is unknown here.
        assert secondary.get("secret/team", token=primary_token).status_code == 403
        local = secondary.post("auth/token/create", {"policies": ["reader"]}).json()[
            "auth"]["client_token"]
        assert secondary.get("secret/team", token=local).status_code == 200
        p, s = primary.section("performance"), secondary.section("performance")
        assert s["last_remote_wal"] == p["last_performance_wal"]
        assert s["merkle_root"] == p["merkle_root"]
        assert p["last_performance_wal"] < p["last_wal"]  # the token is not shipped
        # A write on the secondary is made on its primary and streams back.
        assert secondary.put("secret/from-secondary", {"a": "b"}).status_code == 204
        assert primary.get("secret/from-secondary").status_code == 200
        clock.advance(0.5)
        assert secondary.get("secret/from-secondary").json()["data"] == {"a": "b"}


def test_the_dr_and_performance_trees_of_a_cluster_differ() -> None:
    with topology("six-cluster") as (clusters, clock):
        clock.advance(SETTLE)
        a = clusters["A"].status()
        assert a["dr"]["merkle_root"] != a["performance"]["merkle_root"]
        assert a["dr"]["cluster_id"] != a["performance"]["cluster_id"]
        for secondary, primary, mode in (("B", "A", "dr"), ("C", "A", "performance"),
                                         ("D", "C", "dr"), ("F", "E", "dr")):
            s, p = clusters[secondary].section(mode), clusters[primary].section(mode)
            assert s["cluster_id"] == p["cluster_id"]
            assert s["merkle_root"] == p["merkle_root"], (secondary, mode)
            assert s["secondary_id"] in p["known_secondaries"]


def test_secondary_token_answers_a_single_use_wrapping_token() -> None:
    with topology("dr-pair", link=False) as (clusters, _):
        primary, secondary = clusters["primary"], clusters["secondary"]
        assert primary.post("sys/replication/dr/primary/enable").status_code == 200
        answer = primary.post("sys/replication/dr/primary/secondary-token", {"id": "s1"})
        body = answer.json()
        _valid("wrapping-token-response.json", body)
        assert body["data"] is None and body["wrap_info"]["ttl"] == 1800
        assert body["wrap_info"]["creation_path"] == \
            "sys/replication/dr/primary/secondary-token"
        assert activation.claims(body["wrap_info"]["token"])["addr"] == primary.url
        custom = primary.post("sys/replication/dr/primary/secondary-token",
                              {"id": "s2", "ttl": "1h"}).json()
        assert custom["wrap_info"]["ttl"] == 3600
        assert primary.section("dr")["known_secondaries"] == ["s1", "s2"]
        token = body["wrap_info"]["token"]
        assert secondary.post("sys/replication/dr/secondary/enable",
                              {"token": token}).status_code == 200
        assert secondary.section("dr")["secondary_id"] == "s1"


def test_secondary_token_needs_sudo() -> None:
    with topology("dr-pair", link=False) as (clusters, _):
        primary = clusters["primary"]
        primary.post("sys/replication/dr/primary/enable")
        rule = 'path "sys/replication/dr/primary/secondary-token" { capabilities = ["update"%s] }'
        primary.put("sys/policies/acl/no-sudo", {"policy": rule % ""})
        primary.put("sys/policies/acl/sudo", {"policy": rule % ', "sudo"'})

        def token(policy: str) -> str:
            value: str = primary.post("auth/token/create", {"policies": [policy]}).json()[
                "auth"]["client_token"]
            return value

        without_sudo = token("no-sudo")
        before = snapshot(clusters)
        refused = primary.post("sys/replication/dr/primary/secondary-token", {"id": "x"},
                               token=without_sudo)
        assert refused.status_code == 403 and "permission denied" in refused.json()["errors"][0]
        assert snapshot(clusters)["primary"]["status"] == before["primary"]["status"]
        allowed = primary.post("sys/replication/dr/primary/secondary-token", {"id": "x"},
                               token=token("sudo"))
        assert allowed.status_code == 200


@pytest.mark.parametrize("case", ["used", "garbage", "expired", "revoked", "wrong-mode",
                                  "twice", "missing"])
def test_bad_activation_leaves_every_cluster_as_it_was(case: str) -> None:
    with topology("dr-pair", link=False) as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        primary.post("sys/replication/dr/primary/enable")
        primary.post("sys/replication/performance/primary/enable")
        token = _token(primary)
        expected = INVALID
        if case == "used":
            third = primary.post("sys/replication/dr/primary/secondary-token", {"id": "other"})
            del third
            assert secondary.post("sys/replication/dr/secondary/enable",
                                  {"token": token}).status_code == 200
            secondary.post("sys/replication/dr/secondary/disable",
                           {"dr_operation_token": secondary.operation_token()})
        elif case == "garbage":
            token = "eyJ.not-a.token"
        elif case == "expired":
            clock.advance(1801)
        elif case == "revoked":
            primary.post("sys/replication/dr/primary/revoke-secondary", {"id": "secondary"})
        elif case == "wrong-mode":
            token = _token(primary, "performance")
        elif case == "twice":
            assert secondary.post("sys/replication/dr/secondary/enable",
                                  {"token": token}).status_code == 200
            token = _token(primary, "dr", "again")
            expected = "this cluster is already a DR secondary; use update-primary to change " \
                "its primary"
        elif case == "missing":
            token = ""
            expected = "missing secondary activation token"
        before = snapshot(clusters)
        refused = secondary.post("sys/replication/dr/secondary/enable", {"token": token})
        assert refused.status_code == 400
        assert refused.json() == {"errors": [expected]}
        _valid("error", refused.json())
        assert snapshot(clusters) == before


def test_enabling_a_primary_twice_is_refused() -> None:
    with topology("dr-pair") as (clusters, _):
        primary = clusters["primary"]
        before = snapshot(clusters)
        refused = primary.post("sys/replication/dr/primary/enable")
        assert refused.status_code == 400
        assert refused.json()["errors"] == ["this cluster is already a DR primary"]
        assert snapshot(clusters) == before


def test_promote_needs_the_dr_operation_token() -> None:
    with topology("dr-pair") as (clusters, clock):
        clock.advance(SETTLE)
        secondary = clusters["secondary"]
        for body in ({}, {"dr_operation_token": "not-one"}):
            before = snapshot(clusters)
            refused = secondary.post("sys/replication/dr/secondary/promote", body, token=None)
            assert refused.status_code == 400
            assert refused.json()["errors"] == ["invalid dr operation token"]
            assert snapshot(clusters) == before
        promoted = secondary.post("sys/replication/dr/secondary/promote",
                                  {"dr_operation_token": secondary.operation_token()}, token=None)
        assert promoted.status_code == 200, promoted.text
        section = secondary.section("dr")
        assert section["mode"] == "primary"
        assert section["cluster_id"] == clusters["primary"].section("dr")["cluster_id"]
        assert not secondary.core.refuse_as_dr_secondary


def test_update_primary_refuses_token_and_addresses_together() -> None:
    with topology("perf-pair") as (clusters, _):
        primary, secondary = clusters["primary"], clusters["secondary"]
        token = _token(primary, "performance", "secondary")
        before = snapshot(clusters)
        refused = secondary.post("sys/replication/performance/secondary/update-primary",
                                 {"token": token,
                                  "update_primary_addrs": [primary.core.cluster_address]})
        assert refused.status_code == 400
        assert refused.json()["errors"] == [
            "cannot specify both token and update_primary_addrs"]
        assert snapshot(clusters) == before


def test_update_primary_by_cluster_address_keeps_the_secondary_id() -> None:
    with topology("perf-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        local = secondary.post("auth/token/create", {}).json()["auth"]["client_token"]
        answer = secondary.post("sys/replication/performance/secondary/update-primary",
                                {"update_primary_addrs": [primary.core.cluster_address]})
        assert answer.status_code == 200, answer.text
        section = secondary.section("performance")
        assert section["secondary_id"] == "secondary" and section["state"] == "merkle-diff"
        # No wipe: the secondary's own tokens (local to a performance cluster) stay.
        assert secondary.get("auth/token/lookup-self", token=local).status_code == 200
        cleared = secondary.post("sys/replication/performance/secondary/update-primary",
                                 {"token": ""})
        assert cleared.status_code == 200
        idle = secondary.section("performance")
        assert idle["state"] == "idle" and idle["primaries"] == []
        assert "last_remote_wal" not in idle and idle["known_primary_cluster_addrs"] is None


def test_demote_keeps_the_cluster_id_and_disable_forgets_it() -> None:
    with topology("dr-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        cluster_id = primary.section("dr")["cluster_id"]
        assert primary.post("sys/replication/dr/primary/demote").status_code == 200
        demoted = primary.section("dr")
        assert demoted["mode"] == "secondary" and demoted["state"] == "idle"
        assert demoted["cluster_id"] == cluster_id and demoted["secondary_id"] == ""
        assert primary.core.refuse_as_dr_secondary
        lost = secondary.section("dr")
        assert lost["connection_state"] == "transient_failure"
        assert lost["primaries"][0]["connection_status"] == "disconnected"

    with topology("dr-pair", link=False) as (clusters, _):
        primary = clusters["primary"]
        primary.post("sys/replication/dr/primary/enable")
        first = primary.section("dr")["cluster_id"]
        assert primary.post("sys/replication/dr/primary/disable").status_code == 200
        assert primary.section("dr") == {"mode": "disabled"}
        primary.post("sys/replication/dr/primary/enable")
        assert primary.section("dr")["cluster_id"] != first


def test_revoke_secondary_disconnects_it() -> None:
    with topology("perf-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        before = snapshot(clusters)
        unknown = primary.post("sys/replication/performance/primary/revoke-secondary",
                               {"id": "nobody"})
        assert unknown.status_code == 400 and snapshot(clusters) == before
        revoked = primary.post("sys/replication/performance/primary/revoke-secondary",
                               {"id": "secondary"})
        assert revoked.status_code == 204
        assert primary.section("performance")["known_secondaries"] == []
        assert primary.section("performance")["secondaries"] == []
        assert secondary.section("performance")["connection_state"] == "transient_failure"


def test_reindex_on_a_primary_resynchronises_its_secondaries() -> None:
    with topology("perf-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        assert secondary.section("performance")["state"] == "stream-wals"
        assert primary.post("sys/replication/reindex").status_code == 200
        assert secondary.section("performance")["state"] == "merkle-diff"
        clock.advance(SETTLE)
        assert secondary.section("performance")["state"] == "stream-wals"
        assert primary.post("sys/replication/recover").status_code == 200
        assert secondary.section("performance")["state"] == "merkle-diff"


def test_merkle_check_answers_the_report() -> None:
    with topology("dr-pair") as (clusters, _):
        answer = clusters["primary"].post("sys/replication/merkle-check")
        assert answer.status_code == 200
        _valid("merkle-check-response.json", answer.json())
        secondary = clusters["secondary"]
        assert secondary.post("sys/replication/dr/secondary/merkle-check", {},
                              token=None).status_code == 400
        checked = secondary.post("sys/replication/dr/secondary/merkle-check",
                                 {"dr_operation_token": secondary.operation_token()}, token=None)
        assert checked.status_code == 200
        _valid("merkle-check-response.json", checked.json())


def test_a_standalone_cluster_can_become_a_primary() -> None:
    headers = {"X-Vault-Token": "root"}
    config = ServerConfig(scenario="disabled", root_token="root")
    with EmbeddedServer(config) as one, EmbeddedServer(config) as other:
        client = httpx.Client(base_url=one.url + "/v1/", headers=headers)
        assert client.post("sys/replication/performance/primary/enable").status_code == 200
        token = client.post("sys/replication/performance/primary/secondary-token",
                            json={"id": "far"})
        assert token.status_code == 200
        section = client.get("sys/replication/performance/status").json()["data"]
        assert section["mode"] == "primary" and section["known_secondaries"] == ["far"]
        # Each standalone server is a network of one: another's token leads nowhere.
        refused = httpx.post(other.url + "/v1/sys/replication/performance/secondary/enable",
                             json={"token": token.json()["wrap_info"]["token"]},
                             headers=headers)
        assert refused.status_code == 400
        assert "could not reach the primary" in refused.json()["errors"][0]
        client.close()


def test_every_answer_validates_against_the_contract() -> None:
    """The status documents in each state the operations lead to, the operations' answers
    and their errors, against the family's schemas."""
    seen: list[tuple[str, Any]] = []

    def check(kind: str, document: Any) -> None:
        _valid(kind, document)
        seen.append((kind, document))

    def statuses(clusters: dict[str, Cluster]) -> None:
        for cluster in clusters.values():
            check("status", cluster.http.get("sys/replication/status").json())
            for mode in ("dr", "performance"):
                check("section-status-response.json",
                      cluster.http.get(f"sys/replication/{mode}/status").json())

    with topology("six-cluster") as (clusters, clock):
        statuses(clusters)  # merkle-diff
        clock.advance(1.0)
        statuses(clusters)  # merkle-sync
        clock.advance(SETTLE)
        clusters["A"].put("secret/x", {"y": "z"})
        statuses(clusters)
        clusters["A"].server.network.add_fault("partition", "C")
        clusters["A"].server.network.add_fault("stopped-heartbeats", "E")
        clock.advance(30)
        statuses(clusters)
        check("warnings", clusters["A"].post("sys/replication/dr/primary/demote").json())
        c = clusters["C"]
        check("warnings", c.post("sys/replication/performance/secondary/update-primary",
                                 {"token": ""}).json())
        check("public-key-response.json",
              c.post("sys/replication/performance/secondary/generate-public-key").json())
        check("error", c.post("sys/replication/performance/secondary/enable",
                              {"token": "x"}).json())
        statuses(clusters)
    assert len(seen) > 60


def test_the_public_key_flow_activates_without_a_wrapping_token() -> None:
    with topology("perf-pair", link=False) as (clusters, _):
        primary, secondary = clusters["primary"], clusters["secondary"]
        primary.post("sys/replication/performance/primary/enable")
        key = secondary.post("sys/replication/performance/secondary/generate-public-key").json()[
            "data"]["public_key"]
        answer = primary.post("sys/replication/performance/primary/secondary-token",
                              {"id": "pk", "secondary_public_key": "another key"}).json()
        _valid("wrapping-token-response.json", answer)
        assert answer["wrap_info"] is None
        before = snapshot(clusters)
        refused = secondary.post("sys/replication/performance/secondary/enable",
                                 {"token": answer["data"]["token"]})
        assert refused.status_code == 400 and snapshot(clusters) == before
        answer = primary.post("sys/replication/performance/primary/secondary-token",
                              {"id": "pk", "secondary_public_key": key}).json()
        enabled = secondary.post("sys/replication/performance/secondary/enable",
                                 {"token": answer["data"]["token"]})
        assert enabled.status_code == 200
        assert secondary.section("performance")["secondary_id"] == "pk"


def test_a_promoted_dr_secondary_joins_its_primarys_performance_set() -> None:
    with topology("six-cluster") as (clusters, clock):
        clock.advance(SETTLE)
        a, b, c = clusters["A"], clusters["B"], clusters["C"]
        assert b.section("performance") == {"mode": "disabled"}
        a.post("sys/replication/dr/primary/demote")
        a.post("sys/replication/performance/primary/demote")
        b.post("sys/replication/dr/secondary/promote",
               {"dr_operation_token": b.operation_token()}, token=None)
        performance = b.section("performance")
        assert performance["mode"] == "primary"
        assert performance["cluster_id"] == c.section("performance")["cluster_id"]
        assert performance["known_secondaries"] == ["C", "E"]
        moved = c.post("sys/replication/performance/secondary/update-primary",
                       {"update_primary_addrs": [b.core.cluster_address]})
        assert moved.status_code == 200, moved.text
        clock.advance(SETTLE)
        b.put("secret/after-failover", {"k": "v"})
        clock.advance(0.5)
        assert c.get("secret/after-failover").json()["data"] == {"k": "v"}
        assert c.section("performance")["merkle_root"] == b.section("performance")["merkle_root"]


def test_a_paths_filter_keeps_a_mount_from_a_performance_secondary() -> None:
    with topology("perf-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        denied = primary.post("sys/replication/performance/primary/paths-filter/secondary",
                              {"mode": "deny", "paths": ["secret/"]})
        assert denied.status_code in (200, 204), denied.text
        primary.put("secret/kept-home", {"a": "b"})
        clock.advance(0.5)
        assert secondary.get("secret/kept-home").status_code == 404
        primary.http.delete("sys/replication/performance/primary/paths-filter/secondary",
                            headers={"X-Vault-Token": "root"})
        primary.put("secret/shipped", {"a": "b"})
        clock.advance(0.5)
        assert secondary.get("secret/shipped").status_code == 200


#: The operations each role refuses (``secondary/enable`` without a usable token: always).
REFUSED_BY = {
    "primary": ("primary/enable", "secondary/promote", "secondary/disable",
                "secondary/update-primary", "secondary/enable", "primary/revoke-secondary"),
    "secondary": ("primary/enable", "primary/demote", "primary/disable",
                  "primary/revoke-secondary", "primary/secondary-token", "secondary/enable"),
    "disabled": ("primary/demote", "primary/disable", "primary/revoke-secondary",
                 "primary/secondary-token", "secondary/promote", "secondary/disable",
                 "secondary/update-primary", "secondary/enable"),
}


@pytest.mark.parametrize("state", ["dr-perf-primary", "perf-secondary", "dr-secondary-idle",
                                   "disabled"])
def test_refused_operations_leave_a_starting_state_exactly_as_it_was(state: str) -> None:
    """On a single cluster started in a ``--state``, every operation its role refuses answers
    400 and the status stays byte for byte the starting state's."""
    from asgi_serving import serve_asgi
    from topology_clusters import ManualClock

    from replcheck.reference_server.app import create_app

    app = create_app(ServerConfig(scenario=state, root_token="root"), clock=ManualClock())
    core = app.state.vault
    headers = {"X-Vault-Token": "root"}
    with serve_asgi(app) as url, httpx.Client(base_url=url + "/v1/", headers=headers) as client:
        before = client.get("sys/replication/status").content.split(b'"data":', 1)[1]
        modes = core.replication.modes()
        sent = 0
        for mode, role in modes.items():
            for operation in REFUSED_BY[role]:
                body = {"id": "nobody", "token": "not-a-token",
                        "dr_operation_token": "not-one"}
                answer = client.post(f"sys/replication/{mode}/{operation}", json=body)
                assert answer.status_code == 400, (mode, operation, answer.text)
                sent += 1
        after = client.get("sys/replication/status").content.split(b'"data":', 1)[1]
    assert sent >= 12 and after == before
    assert core.node.roles == {}


def test_a_revoke_by_accessor_reaches_the_dr_secondary() -> None:
    """Revoking by accessor is a replicated write, as revoking by the token is: the DR
    secondary (whose tokens are its primary's) loses the token and the roots meet again."""
    with topology("dr-pair") as (clusters, clock):
        primary, secondary = clusters["primary"], clusters["secondary"]
        clock.advance(SETTLE)
        made = primary.post("auth/token/create", {"policies": ["default"]}).json()["auth"]
        clock.advance(0.5)
        secondary.status()  # a read applies what the link delivered by now
        assert secondary.core.tokens.lookup(made["client_token"]) is not None
        revoked = primary.post("auth/token/revoke-accessor", {"accessor": made["accessor"]})
        assert revoked.status_code == 204
        clock.advance(0.5)
        secondary.status()
        assert secondary.core.tokens.lookup(made["client_token"]) is None
        assert secondary.section("dr")["merkle_root"] == primary.section("dr")["merkle_root"]
