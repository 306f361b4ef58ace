"""Broken replication sets: a named reference topology with exactly one deviation each.

The topology gate (``replcheck run --topology``) must catch each of them; the zoo's test
(tests/zoo/test_topology_zoo.py) proves it does, and that the reference topologies themselves
pass. ``replcheck serve --topology NAME --break BROKEN`` serves one.

A deviation is made, in this order of preference, from

- the reference's own faults (``reference_server/topology/faults.py``: a partition, a stalled
  stream, a merkle loop, stopped heartbeats, clock skew, an older version);
- a small rewrite of one cluster's answers (``Deviate``): one field of one mode's section, in
  ``sys/replication/status`` and in ``sys/replication/{mode}/status`` alike, so the two reads
  of that cluster stay consistent with each other and only the relation across clusters breaks;
- for the three active requirements, a request rewrite on the primary that uses the runtime's
  own machinery (a fault injected when a reindex starts, a recover that does nothing).

Each entry names the ``TOPOLOGY-*`` ids that must each fail (``must_fail``), those that may fail
as a consequence (``may_fail``), and a direct ``shows`` probe that makes the deviation visible on
the broken set and not on its reference topology.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette

from ..replication import rfc3339
from ..topology.definition import NAMED, Topology, load, parse_fault, with_faults
from ..topology.network import NetworkSettings
from ..topology.runtime import TopologyServer, Wrap
from .asgi import (
    API,
    STATUS,
    Deviate,
    RequestHook,
    ResponseHook,
    ZooRequest,
    ZooResponse,
    vault_error,
)

__all__ = ["BROKEN_SETS", "BrokenSet", "SetProbe", "UnknownBrokenSet", "find_set", "set_names"]

Profile = Literal["safe", "full"]
Mode = Literal["dr", "performance"]

#: A ``cluster_id`` no reference cluster has (uuid4 form, as Vault's).
FOREIGN_CLUSTER_ID = "0b5e7a1e-0000-4000-8000-00000000f0e1"
#: A ``secondary_id`` no primary issued a token for.
UNKNOWN_SECONDARY_ID = "not-issued-by-this-primary"
#: A host no cluster of the set listens on (TEST-NET-1, RFC 5737).
ELSEWHERE = "192.0.2.10"
#: A merkle root no tree of the set has.
FOREIGN_ROOT = "0" * 40
#: How far in the past a stale heartbeat is (seconds).
STALE_HEARTBEAT_S = 3600.0
#: A canary age far beyond any sensible bound (ten minutes, in milliseconds).
OLD_CANARY_MS = "600000"


@dataclass
class SetProbe:
    """Plain httpx clients on each cluster of a running set, with its root token."""

    server: TopologyServer
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, cluster: str) -> httpx.Client:
        if cluster not in self.clients:
            running = self.server.runtime[cluster]
            self.clients[cluster] = httpx.Client(
                base_url=running.url + "/v1/", timeout=10.0,
                headers={"X-Vault-Token": running.root_token},
            )
        return self.clients[cluster]

    def section(self, cluster: str, mode: Mode) -> dict[str, Any]:
        """One mode's section of the cluster's ``sys/replication/status``."""
        response = self.client(cluster).get("sys/replication/status")
        response.raise_for_status()
        section: dict[str, Any] = response.json()["data"][mode]
        return section

    def settle(self, seconds: float = 1.0) -> None:
        """Wait until no secondary of the set is in merkle-diff or merkle-sync any more (a set
        just set up is still catching up), or ``seconds`` passed (a looping one never stops)."""
        deadline = time.monotonic() + seconds
        names = list(self.server.runtime.clusters)
        while time.monotonic() < deadline:
            states = {self.section(name, mode).get("state") for name in names
                      for mode in ("dr", "performance")}
            if not states & {"merkle-diff", "merkle-sync"}:
                return
            time.sleep(0.02)

    def health(self, cluster: str) -> dict[str, Any]:
        response = self.client(cluster).get("sys/health")
        body: dict[str, Any] = response.json()
        return body

    def post(self, cluster: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client(cluster).post(path, json=body or {})

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@dataclass(frozen=True)
class BrokenSet:
    """One broken replication set: its base topology, its one deviation, what must catch it."""

    name: str
    deviation: str
    #: The named reference topology it deviates from.
    base: str
    #: ``TOPOLOGY-*`` ids (and the family's scope-topology ids) that must each fail.
    must_fail: tuple[str, ...]
    #: A direct probe of the running set: True on the broken set, False on ``base``.
    shows: Callable[[SetProbe], bool]
    #: Ids that may fail too, as a consequence of the same deviation.
    may_fail: tuple[str, ...] = ()
    #: Faults of the reference topology, as ``--fault`` texts (``KIND@CLUSTER[:MODE][=VALUE]``).
    faults: tuple[str, ...] = ()
    #: Per cluster: a rewrite of what it answers.
    responses: Mapping[str, ResponseHook] = field(default_factory=dict)
    #: Per cluster: a rewrite of the requests it receives (or an answer in their place).
    requests: Mapping[str, RequestHook] = field(default_factory=dict)
    #: Every link set up in this mode instead of the base topology's.
    links_as: Mode | None = None
    #: ``full``: only the active scenarios (which write) show the deviation.
    profile: Profile = "safe"
    #: Seconds of watching a run needs to see the deviation (history relations), 0: none.
    watch_s: float = 0.0
    #: Changes to the run's ``TopologySettings`` (field name -> value).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: What the targets file expects: cluster -> mode -> role (``primary``, ``secondary``).
    expect_roles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The set's lag and merkle durations, when the deviation needs others than the default
    #: (a merkle loop slow enough for a watch to see each phase).
    network: NetworkSettings | None = None

    @property
    def description(self) -> str:
        return f"{self.deviation} (must fail: {', '.join(self.must_fail)})"

    def topology(self) -> Topology:
        """The base topology with this entry's faults (and link mode)."""
        topology = load(self.base)
        if self.links_as is not None:
            topology = replace(topology, links=tuple(
                replace(link, mode=self.links_as) for link in topology.links))
        return with_faults(topology, [parse_fault(text, topology) for text in self.faults])

    def wraps(self) -> dict[str, Wrap]:
        """What each rewritten cluster's listener serves in front of its app."""
        names = set(self.responses) | set(self.requests)
        return {name: _deviate(self.requests.get(name), self.responses.get(name))
                for name in names}

    def server(self) -> TopologyServer:
        """The broken set, ready to start (``with entry.server() as running: ...``)."""
        return TopologyServer(self.topology(), settings=self.network, wraps=self.wraps())


def _deviate(on_request: RequestHook | None, on_response: ResponseHook | None) -> Wrap:
    def wrap(app: Starlette) -> Deviate:
        kwargs: dict[str, Any] = {}
        if on_request is not None:
            kwargs["on_request"] = on_request
        if on_response is not None:
            kwargs["on_response"] = on_response
        return Deviate(app, app.state.vault, **kwargs)

    return wrap


# --- rewrites ----------------------------------------------------------------------------------

def section_rewrite(mode: Mode, change: Callable[[dict[str, Any], ZooRequest], None]
                    ) -> ResponseHook:
    """Change one mode's section in place, in ``sys/replication/status`` and in
    ``sys/replication/{mode}/status`` alike."""
    flat = f"{API}{mode}/status"

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        if request.method != "GET" or response.status != 200 or request.clean not in (
                STATUS, flat):
            return response
        body = response.json()
        data = body.get("data") if isinstance(body, dict) else None
        section = data.get(mode) if isinstance(data, dict) and request.clean == STATUS else data
        if not isinstance(section, dict):
            return response
        change(section, request)
        return response.with_json(body)

    return hook


def _peers(section: dict[str, Any]) -> list[dict[str, Any]]:
    peers = [*(section.get("primaries") or ()), *(section.get("secondaries") or ())]
    return [peer for peer in peers if isinstance(peer, dict)]


def _set(key: str, value: Any) -> Callable[[dict[str, Any], ZooRequest], None]:
    def change(section: dict[str, Any], request: ZooRequest) -> None:
        if section.get("mode") in ("primary", "secondary"):
            section[key] = value

    return change


def _each_peer(change: Callable[[dict[str, Any], ZooRequest], None]
               ) -> Callable[[dict[str, Any], ZooRequest], None]:
    def apply(section: dict[str, Any], request: ZooRequest) -> None:
        for peer in _peers(section):
            change(peer, request)

    return apply


def _node_id_elsewhere(peer: dict[str, Any], request: ZooRequest) -> None:
    if "node_id" in peer:
        peer["node_id"] = UNKNOWN_SECONDARY_ID


def _elsewhere(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=ELSEWHERE + port))


def _addresses_elsewhere(peer: dict[str, Any], request: ZooRequest) -> None:
    for key in ("api_address", "cluster_address"):
        if isinstance(peer.get(key), str) and peer[key]:
            peer[key] = _elsewhere(peer[key])


def _disconnected(peer: dict[str, Any], request: ZooRequest) -> None:
    peer["connection_status"] = "disconnected"


def _stale(peer: dict[str, Any], request: ZooRequest) -> None:
    peer["last_heartbeat"] = rfc3339(request.core.clock() - STALE_HEARTBEAT_S)


def _old_canary(peer: dict[str, Any], request: ZooRequest) -> None:
    peer["replication_primary_canary_age_ms"] = OLD_CANARY_MS


def _wal_ahead(section: dict[str, Any], request: ZooRequest) -> None:
    if isinstance(section.get("last_remote_wal"), int):
        section["last_remote_wal"] += 1_000_000


def _as_primary(section: dict[str, Any], request: ZooRequest) -> None:
    """A DR secondary's section made a primary's of the same ``cluster_id``."""
    for key in ("secondary_id", "known_primary_cluster_addrs", "primaries", "last_remote_wal",
                "connection_state", "last_start"):
        section.pop(key, None)
    section.update(mode="primary", state="running", primary_cluster_addr="",
                   known_secondaries=[], secondaries=[], last_wal=0, last_dr_wal=0,
                   last_performance_wal=0)


def _loop_after_reindex(secondary: str) -> RequestHook:
    """A reindex on this primary leaves ``secondary`` looping merkle-diff/merkle-sync for good
    (the runtime's own merkle-loop fault, injected as the reindex starts)."""

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in ("POST", "PUT") and request.clean == API + "reindex":
            network = request.core.node.network
            if not any(f.kind == "merkle-loop" and f.cluster == secondary
                       for f in network.faults.active):
                network.add_fault("merkle-loop", secondary)
        return request

    return hook


def _recover_does_nothing(request: ZooRequest) -> ZooRequest | ZooResponse:
    """``recover`` answers as Vault does and restarts nothing."""
    if request.method in ("POST", "PUT") and request.clean == API + "recover":
        if not request.token_is_live:
            return vault_error(403, "permission denied")
        return ZooResponse.of_json(200, {
            "request_id": "00000000-0000-4000-8000-000000000000", "lease_id": "",
            "renewable": False, "lease_duration": 0, "data": None, "wrap_info": None,
            "warnings": ["recovery started"], "auth": None,
        })
    return request


def _sudo_not_required(mode: Mode) -> RequestHook:
    """``{mode}/primary/secondary-token`` served to any live token as if it had sudo."""
    path = f"{API}{mode}/primary/secondary-token"

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in ("POST", "PUT") and request.clean == path and request.token_is_live:
            return request.as_root()
        return request

    return hook


def _get_served(mode: Mode) -> RequestHook:
    """A GET on ``{mode}/primary/secondary-token`` answered 200 with the status, not 405."""
    path = f"{API}{mode}/primary/secondary-token"

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method == "GET" and request.clean == path and request.token_is_live:
            return request.with_path(f"{API}{mode}/status")
        return request

    return hook


def _revoke_keeps(mode: Mode) -> RequestHook:
    """``{mode}/primary/revoke-secondary`` answers 204 and revokes nothing."""
    path = f"{API}{mode}/primary/revoke-secondary"

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in ("POST", "PUT") and request.clean == path and request.token_is_live:
            return ZooResponse(204, (), b"")
        return request

    return hook


def _filter_reads_deny(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """A paths filter read back as ``deny`` whatever mode it was written with."""
    if (request.method != "GET" or response.status != 200
            or not request.clean.startswith(API + "performance/primary/paths-filter/")):
        return response
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body["data"]["mode"] = "deny"
    return response.with_json(body)


def _revoke_answers_202(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """revoke-secondary does revoke, and answers 202, a status its operation does not list."""
    if (request.method in ("POST", "PUT") and response.status == 204
            and request.clean == API + "performance/primary/revoke-secondary"):
        return replace(response, status=202)
    return response


def _demote_accepted(mode: Mode) -> RequestHook:
    """The secondary answers ``{mode}/primary/demote`` 204 (and changes nothing)."""
    path = f"{API}{mode}/primary/demote"

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        if request.method in ("POST", "PUT") and request.clean == path:
            return ZooResponse(204, (), b"")
        return request

    return hook


def _ttl_60(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """The performance secondary token's wrap_info says ttl 60 (not 1800)."""
    if (request.method in ("POST", "PUT") and response.status == 200
            and request.clean == API + "performance/primary/secondary-token"):
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("wrap_info"), dict):
            body["wrap_info"]["ttl"] = 60
            return response.with_json(body)
    return response


def _empty_token_accepted(mode: Mode) -> RequestHook:
    """``{mode}/secondary/enable`` with an empty token answered 204 (nothing done)."""
    path = f"{API}{mode}/secondary/enable"

    def hook(request: ZooRequest) -> ZooRequest | ZooResponse:
        body = request.json()
        if (request.method in ("POST", "PUT") and request.clean == path
                and isinstance(body, dict) and body.get("token") == ""):
            return ZooResponse(204, (), b"")
        return request

    return hook


def _both_accepted(request: ZooRequest) -> ZooRequest | ZooResponse:
    """update-primary with a token and addresses both answered 204 (nothing done)."""
    body = request.json()
    if (request.method in ("POST", "PUT")
            and request.clean == API + "performance/secondary/update-primary"
            and isinstance(body, dict) and body.get("token")
            and body.get("update_primary_addrs")):
        return ZooResponse(204, (), b"")
    return request


# --- probes ------------------------------------------------------------------------------------

def _differ(mode: Mode, key: str, primary: str = "primary", secondary: str = "secondary"
            ) -> Callable[[SetProbe], bool]:
    def shows(probe: SetProbe) -> bool:
        return bool(probe.section(primary, mode).get(key) != probe.section(secondary, mode)
                    .get(key))

    return shows


def _secondary_id_unknown(probe: SetProbe) -> bool:
    said = probe.section("secondary", "dr").get("secondary_id")
    return said not in (probe.section("primary", "dr").get("known_secondaries") or [])


def _peer_id_wrong(probe: SetProbe) -> bool:
    said = probe.section("secondary", "dr").get("secondary_id")
    return all(p.get("node_id") != said for p in probe.section("primary", "dr")["secondaries"])


def _no_primary_addrs(probe: SetProbe) -> bool:
    section = probe.section("secondary", "performance")
    return section.get("state") == "stream-wals" and not section.get(
        "known_primary_cluster_addrs")


def _wal_is_ahead(probe: SetProbe) -> bool:
    secondary = probe.section("secondary", "dr")
    primary = probe.section("primary", "dr")
    return int(secondary.get("last_remote_wal") or 0) > int(primary.get("last_dr_wal") or 0)


def _roots_differ_when_caught_up(probe: SetProbe) -> bool:
    time.sleep(0.3)
    secondary = probe.section("secondary", "performance")
    primary = probe.section("primary", "performance")
    return secondary.get("state") == "stream-wals" and secondary.get(
        "merkle_root") != primary.get("merkle_root")


def _never_settles(probe: SetProbe) -> bool:
    states = set()
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        states.add(probe.section("secondary", "dr").get("state"))
        time.sleep(0.05)
    return "stream-wals" not in states


def _two_primaries(probe: SetProbe) -> bool:
    one, two = probe.section("primary", "dr"), probe.section("secondary", "dr")
    return bool(one["mode"] == two["mode"] == "primary" and one["cluster_id"] == two["cluster_id"])


def _one_sided(probe: SetProbe) -> bool:
    primary_says = {p["connection_status"] for p in probe.section("primary", "dr")["secondaries"]}
    secondary_says = {p["connection_status"] for p in probe.section("secondary", "dr")["primaries"]}
    return primary_says != secondary_says


def _heartbeat_stale(probe: SetProbe) -> bool:
    from datetime import datetime

    peers = probe.section("secondary", "dr")["primaries"]
    return any(time.time() - datetime.fromisoformat(p["last_heartbeat"]).timestamp()
               > STALE_HEARTBEAT_S / 2 for p in peers)


def _version_older(probe: SetProbe) -> bool:
    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("+")[0].split("-")[0].split("."))

    return key(probe.health("secondary")["version"]) < key(probe.health("primary")["version"])


def _address_elsewhere(probe: SetProbe) -> bool:
    peers = probe.section("secondary", "performance")["primaries"]
    return any(urlsplit(p["cluster_address"]).hostname == ELSEWHERE for p in peers)


def _not_a_performance_secondary(probe: SetProbe) -> bool:
    return probe.section("secondary", "performance").get("mode") != "secondary"


def _skewed(probe: SetProbe) -> bool:
    peers = probe.section("secondary", "dr")["primaries"]
    return any(abs(int(p.get("clock_skew_ms") or 0)) >= 60_000 for p in peers)


def _canary_old(probe: SetProbe) -> bool:
    peers = probe.section("secondary", "dr")["primaries"]
    return any(p.get("replication_primary_canary_age_ms") == OLD_CANARY_MS for p in peers)


def _cut(probe: SetProbe) -> bool:
    return probe.section("secondary", "dr").get("state") == "idle"


def _heartbeat_frozen(probe: SetProbe) -> bool:
    """``last_heartbeat`` stays the same over more than a heartbeat interval (2 s)."""
    first = probe.section("secondary", "dr")["primaries"][0]["last_heartbeat"]
    time.sleep(2.2)
    return bool(probe.section("secondary", "dr")["primaries"][0]["last_heartbeat"] == first)


def _token_without_sudo(mode: Mode) -> Callable[[SetProbe], bool]:
    """A token with update and no sudo on the primary's secondary-token gets one."""

    def probe_(probe: SetProbe) -> bool:
        api = f"sys/replication/{mode}/primary/secondary-token"
        client = probe.client("primary")
        client.put("sys/policies/acl/zoo-no-sudo",
                   json={"policy": f'path "{api}" {{ capabilities = ["update"] }}'})
        made = client.post("auth/token/create",
                           json={"policies": ["zoo-no-sudo"], "no_default_policy": True})
        token = made.json()["auth"]["client_token"]
        answer = client.post(api, json={"id": "zoo-no-sudo"}, headers={"X-Vault-Token": token})
        return answer.status_code == 200

    return probe_


def _get_not_refused(mode: Mode) -> Callable[[SetProbe], bool]:
    def probe_(probe: SetProbe) -> bool:
        answer = probe.client("primary").get(f"sys/replication/{mode}/primary/secondary-token")
        return answer.status_code != 405

    return probe_


def _revoked_stays(mode: Mode) -> Callable[[SetProbe], bool]:
    def probe_(probe: SetProbe) -> bool:
        probe.post("primary", f"sys/replication/{mode}/primary/revoke-secondary",
                   {"id": "secondary"})
        return "secondary" in (probe.section("primary", mode).get("known_secondaries") or [])

    return probe_


def _filter_is_deny(probe: SetProbe) -> bool:
    path = "sys/replication/performance/primary/paths-filter/secondary"
    probe.post("primary", path, {"paths": ["secret/"]})
    mode = probe.client("primary").get(path).json()["data"]["mode"]
    probe.client("primary").delete(path)
    return bool(mode == "deny")


def _revoke_is_202(probe: SetProbe) -> bool:
    answer = probe.post("primary", "sys/replication/performance/primary/revoke-secondary",
                        {"id": "secondary"})
    return answer.status_code == 202


def _secondary_demotes(mode: Mode) -> Callable[[SetProbe], bool]:
    def probe_(probe: SetProbe) -> bool:
        answer = probe.post("secondary", f"sys/replication/{mode}/primary/demote")
        return answer.status_code < 400

    return probe_


def _ttl_is_60(probe: SetProbe) -> bool:
    answer = probe.post("primary", "sys/replication/performance/primary/secondary-token",
                        {"id": "zoo-ttl"})
    return bool(answer.json()["wrap_info"]["ttl"] == 60)


def _empty_token_is_204(mode: Mode) -> Callable[[SetProbe], bool]:
    def probe_(probe: SetProbe) -> bool:
        answer = probe.post("secondary", f"sys/replication/{mode}/secondary/enable",
                            {"token": ""})
        return answer.status_code == 204

    return probe_


def _both_is_204(probe: SetProbe) -> bool:
    answer = probe.post("secondary", "sys/replication/performance/secondary/update-primary",
                        {"token": "t", "update_primary_addrs": ["127.0.0.1:1"]})
    return answer.status_code == 204


def _write_stays_behind(probe: SetProbe) -> bool:
    probe.post("primary", "secret/zoo-probe", {"value": "1"})
    time.sleep(0.5)
    primary = probe.section("primary", "performance")
    secondary = probe.section("secondary", "performance")
    return int(secondary.get("last_remote_wal") or 0) < int(
        primary.get("last_performance_wal") or 0)


def _loops_after_reindex(probe: SetProbe) -> bool:
    probe.post("primary", "sys/replication/reindex")
    time.sleep(0.1)
    states = set()
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        states.add(probe.section("secondary", "performance").get("state"))
        time.sleep(0.05)
    return "stream-wals" not in states


def _recover_restarts_nothing(probe: SetProbe) -> bool:
    time.sleep(1.02 - time.time() % 1)  # last_start has a resolution of one second
    before = probe.section("secondary", "dr").get("last_start")
    probe.post("primary", "sys/replication/recover")
    return bool(probe.section("secondary", "dr").get("last_start") == before)


# --- the entries -------------------------------------------------------------------------------

T = "TOPOLOGY-"
#: Consequences of a link that the pairing cannot pair or that is not healthy any more.
_LINK_FALLOUT = (T + "HEALTHY-STATES", T + "STREAM-RESUMES", T + "MERKLE-CONVERGE",
                 T + "WAL-BOUND", T + "PRIMARY-ADDRS", T + "PEER-ADDRESSES", T + "PEER-IDS",
                 T + "SECONDARY-KNOWN", T + "SHARED-CLUSTER-ID", T + "CONNECTION-AGREES",
                 T + "HEARTBEAT-AGE", T + "HEARTBEAT-ADVANCES", T + "CLOCK-SKEW",
                 T + "CANARY-AGE", T + "VERSION-ORDER")
#: What a stopped or stale heartbeat also moves.
_HEARTBEAT_FALLOUT = (T + "HEARTBEAT-ADVANCES", T + "HEARTBEAT-AGE", T + "CANARY-AGE")
#: What a run of the active scenarios can no longer show on a link that does not come back.
_ACTIVE_FALLOUT = (T + "WRITE-REACHES", T + "REINDEX-RECOVERS", T + "RECOVER")


def _without(ids: tuple[str, ...], *dropped: str) -> tuple[str, ...]:
    return tuple(i for i in ids if i not in dropped)


BROKEN_SETS: tuple[BrokenSet, ...] = (
    BrokenSet(
        "foreign-cluster-id",
        "the DR secondary reports another cluster_id than its primary's",
        "dr-pair", (T + "SHARED-CLUSTER-ID",), _differ("dr", "cluster_id"),
        may_fail=(*_without(_LINK_FALLOUT, T + "SHARED-CLUSTER-ID"), T + "ONE-PRIMARY"),
        responses={"secondary": section_rewrite("dr", _set("cluster_id", FOREIGN_CLUSTER_ID))},
    ),
    BrokenSet(
        "unknown-secondary-id",
        "the DR secondary reports a secondary_id its primary never issued a token for",
        "dr-pair", (T + "SECONDARY-KNOWN",), _secondary_id_unknown,
        may_fail=_without(_LINK_FALLOUT, T + "SECONDARY-KNOWN"),
        responses={"secondary": section_rewrite("dr", _set("secondary_id",
                                                            UNKNOWN_SECONDARY_ID))},
    ),
    BrokenSet(
        "wrong-peer-id",
        "the DR primary lists its secondary under a node_id that is not the secondary's id",
        "dr-pair", (T + "PEER-IDS",), _peer_id_wrong,
        # The primary's entry for the secondary is found by its node_id: it seems missing.
        may_fail=(T + "CONNECTION-AGREES", T + "HEARTBEAT-AGE", T + "CLOCK-SKEW",
                  T + "CANARY-AGE", T + "PEER-ADDRESSES"),
        responses={"primary": section_rewrite("dr", _each_peer(_node_id_elsewhere))},
    ),
    BrokenSet(
        "no-primary-addrs",
        "the streaming performance secondary reports empty known_primary_cluster_addrs",
        "perf-pair", (T + "PRIMARY-ADDRS",), _no_primary_addrs,
        responses={"secondary": section_rewrite("performance",
                                                _set("known_primary_cluster_addrs", []))},
    ),
    BrokenSet(
        "wal-ahead",
        "the DR secondary's last_remote_wal is ahead of its primary's WAL",
        "dr-pair", (T + "WAL-BOUND",), _wal_is_ahead,
        may_fail=(T + "MERKLE-CONVERGE", T + "WRITE-REACHES"),
        responses={"secondary": section_rewrite("dr", _wal_ahead)},
    ),
    BrokenSet(
        "roots-never-meet",
        "the caught-up performance secondary's merkle_root never equals its primary's",
        "perf-pair", (T + "MERKLE-CONVERGE",), _roots_differ_when_caught_up,
        may_fail=(T + "REINDEX-RECOVERS", T + "RECOVER"),
        responses={"secondary": section_rewrite("performance",
                                                _set("merkle_root", FOREIGN_ROOT))},
        # Roots are compared once a write caught the secondary up (at last_remote_wal 0 an
        # unequal root reads as a write not streamed yet): the full profile's write shows it.
        profile="full",
    ),
    BrokenSet(
        "merkle-loop",
        "the DR secondary keeps going merkle-diff -> merkle-sync and never reaches stream-wals",
        "dr-pair", (T + "MERKLE-LOOP",), _never_settles,
        may_fail=(T + "HEALTHY-STATES", T + "STREAM-RESUMES", T + "MERKLE-CONVERGE",
                  *_ACTIVE_FALLOUT),
        faults=("merkle-loop@secondary",), watch_s=1.5,
        network=NetworkSettings(merkle_diff_seconds=0.25, merkle_sync_seconds=0.25),
    ),
    BrokenSet(
        "two-primaries",
        "the DR secondary reports itself a DR primary of its primary's cluster_id",
        "dr-pair", (T + "ONE-PRIMARY",), _two_primaries,
        may_fail=_LINK_FALLOUT,
        responses={"secondary": section_rewrite("dr", _as_primary)},
    ),
    BrokenSet(
        "one-sided-link",
        "the DR primary shows its secondary disconnected while the secondary shows it "
        "connected",
        "dr-pair", (T + "CONNECTION-AGREES",), _one_sided,
        responses={"primary": section_rewrite("dr", _each_peer(_disconnected))},
    ),
    BrokenSet(
        "stale-heartbeats",
        "both sides of the DR link report a last_heartbeat an hour old",
        "dr-pair", (T + "HEARTBEAT-AGE",), _heartbeat_stale,
        may_fail=_without(_HEARTBEAT_FALLOUT, T + "HEARTBEAT-AGE"),
        responses={name: section_rewrite("dr", _each_peer(_stale))
                   for name in ("primary", "secondary")},
    ),
    BrokenSet(
        "older-secondary",
        "the DR secondary runs an older Vault version than its primary",
        "dr-pair", (T + "VERSION-ORDER",), _version_older,
        faults=("older-version@secondary=1.15.0",),
    ),
    BrokenSet(
        "peer-address-elsewhere",
        "the performance secondary names its primary at a host the primary does not run on",
        "perf-pair", (T + "PEER-ADDRESSES",), _address_elsewhere,
        responses={"secondary": section_rewrite("performance",
                                                _each_peer(_addresses_elsewhere))},
    ),
    BrokenSet(
        "wrong-mode-secondary",
        "the set the targets file describes as a performance pair was linked in DR mode",
        "perf-pair", (T + "EXPECTED-ROLES",), _not_a_performance_secondary,
        links_as="dr",
        expect_roles={"primary": {"performance": "primary"},
                      "secondary": {"performance": "secondary"}},
    ),
    BrokenSet(
        "clock-skew",
        "the DR secondary's clock is a minute off its primary's (clock_skew_ms 60000)",
        "dr-pair", (T + "CLOCK-SKEW",), _skewed,
        faults=("clock-skew@secondary=60000",),
    ),
    BrokenSet(
        "old-canary",
        "both sides of the DR link report a replication canary ten minutes old",
        "dr-pair", (T + "CANARY-AGE",), _canary_old,
        responses={name: section_rewrite("dr", _each_peer(_old_canary))
                   for name in ("primary", "secondary")},
    ),
    BrokenSet(
        "stream-never-resumes",
        "the DR link is cut (partition) and never comes back",
        "dr-pair", (T + "STREAM-RESUMES", T + "HEALTHY-STATES"), _cut,
        may_fail=(*_HEARTBEAT_FALLOUT, T + "MERKLE-CONVERGE", T + "PRIMARY-ADDRS",
                  T + "CONNECTION-AGREES", *_ACTIVE_FALLOUT),
        faults=("partition@secondary",), watch_s=1.0, settings={"converge_timeout_s": 0.5},
    ),
    BrokenSet(
        "heartbeat-stops",
        "the DR link stays connected but last_heartbeat stops advancing on both sides",
        "dr-pair", (T + "HEARTBEAT-ADVANCES",), _heartbeat_frozen,
        may_fail=_without(_HEARTBEAT_FALLOUT, T + "HEARTBEAT-ADVANCES"),
        faults=("stopped-heartbeats@secondary",), watch_s=2.7,
        settings={"heartbeat_max_age_s": 3600.0, "canary_max_age_ms": 3_600_000,
                  "heartbeat_advance_s": 2.5},
    ),
    BrokenSet(
        "write-never-arrives",
        "the performance link stays connected in stream-wals but no write reaches the "
        "secondary",
        "perf-pair", (T + "WRITE-REACHES",), _write_stays_behind,
        may_fail=(T + "MERKLE-CONVERGE", T + "REINDEX-RECOVERS", T + "RECOVER",
                  "PERFORMANCE-ENABLE-SECONDARY-JOINS"),
        faults=("stalled-stream@secondary",), profile="full",
    ),
    BrokenSet(
        "reindex-never-returns",
        "after a reindex on the performance primary its secondary never returns to "
        "stream-wals",
        "perf-pair", (T + "REINDEX-RECOVERS",), _loops_after_reindex,
        may_fail=(T + "HEALTHY-STATES", T + "MERKLE-CONVERGE", T + "MERKLE-LOOP",
                  T + "STREAM-RESUMES", T + "RECOVER", T + "WRITE-REACHES"),
        requests={"primary": _loop_after_reindex("secondary")}, profile="full",
    ),
    BrokenSet(
        "recover-without-effect",
        "recover on the DR primary answers success and restarts no stream",
        "dr-pair", (T + "RECOVER",), _recover_restarts_nothing,
        requests={"primary": _recover_does_nothing}, profile="full",
    ),
    BrokenSet(
        "dr-secondary-token-without-sudo",
        "the DR primary makes a secondary token for a token with update and no sudo",
        "dr-pair", ("DR-SECONDARY-TOKEN-SUDO",), _token_without_sudo("dr"),
        requests={"primary": _sudo_not_required("dr")}, profile="full",
    ),
    BrokenSet(
        "performance-secondary-token-without-sudo",
        "the performance primary makes a secondary token for a token with update and no sudo",
        "perf-pair", ("PERFORMANCE-SECONDARY-TOKEN-SUDO",), _token_without_sudo("performance"),
        requests={"primary": _sudo_not_required("performance")}, profile="full",
    ),
    BrokenSet(
        "dr-secondary-token-serves-get",
        "the DR primary answers GET on primary/secondary-token with its status, not 405",
        "dr-pair", ("DR-METHODS",), _get_not_refused("dr"),
        requests={"primary": _get_served("dr")}, profile="full",
    ),
    BrokenSet(
        "performance-secondary-token-serves-get",
        "the performance primary answers GET on primary/secondary-token with its status, not "
        "405",
        "perf-pair", ("PERFORMANCE-METHODS",), _get_not_refused("performance"),
        requests={"primary": _get_served("performance")}, profile="full",
    ),
    BrokenSet(
        "dr-revoke-keeps-the-id",
        "the DR primary answers revoke-secondary 204 and keeps the id in known_secondaries",
        "dr-pair", ("DR-REVOKE-SECONDARY",), _revoked_stays("dr"),
        requests={"primary": _revoke_keeps("dr")}, profile="full",
    ),
    BrokenSet(
        "performance-revoke-keeps-the-id",
        "the performance primary answers revoke-secondary 204 and keeps the id in "
        "known_secondaries",
        "perf-pair", ("PERFORMANCE-REVOKE-SECONDARY",), _revoked_stays("performance"),
        requests={"primary": _revoke_keeps("performance")}, profile="full",
    ),
    BrokenSet(
        "paths-filter-reads-deny",
        "the performance primary reads a paths filter written without mode back as deny",
        "perf-pair", ("PERFORMANCE-PATHS-FILTER",), _filter_is_deny,
        responses={"primary": _filter_reads_deny}, profile="full",
    ),
    BrokenSet(
        "revoke-answers-202",
        "the performance primary's revoke-secondary revokes and answers 202, which its "
        "operation does not document",
        "perf-pair", ("REPLICATION-FAMILY-ANSWERS",), _revoke_is_202,
        responses={"primary": _revoke_answers_202}, profile="full",
    ),
    BrokenSet(
        "dr-secondary-accepts-demote",
        "the DR secondary answers primary/demote 204 instead of refusing it",
        "dr-pair", ("DR-MODE-PRECONDITIONS",), _secondary_demotes("dr"),
        requests={"secondary": _demote_accepted("dr")}, profile="full",
    ),
    BrokenSet(
        "performance-secondary-accepts-demote",
        "the performance secondary answers primary/demote 204 instead of refusing it",
        "perf-pair", ("PERFORMANCE-MODE-PRECONDITIONS",), _secondary_demotes("performance"),
        requests={"secondary": _demote_accepted("performance")}, profile="full",
    ),
    BrokenSet(
        "performance-secondary-token-ttl-60",
        "the performance primary's secondary token with no ttl says ttl 60, not 1800",
        "perf-pair", ("PERFORMANCE-SECONDARY-TOKEN-WRAPPED",), _ttl_is_60,
        responses={"primary": _ttl_60}, profile="full",
    ),
    BrokenSet(
        "dr-enable-accepts-empty-token",
        "the DR secondary answers secondary/enable with an empty token 204",
        "dr-pair", ("DR-ENABLE-SECONDARY-REFUSES-BAD-TOKEN",), _empty_token_is_204("dr"),
        requests={"secondary": _empty_token_accepted("dr")}, profile="full",
    ),
    BrokenSet(
        "performance-enable-accepts-empty-token",
        "the performance secondary answers secondary/enable with an empty token 204",
        "perf-pair", ("PERFORMANCE-ENABLE-SECONDARY-REFUSES-BAD-TOKEN",),
        _empty_token_is_204("performance"),
        requests={"secondary": _empty_token_accepted("performance")}, profile="full",
    ),
    BrokenSet(
        "update-primary-takes-both",
        "the performance secondary answers update-primary with a token and addresses both 204",
        "perf-pair", ("PERFORMANCE-UPDATE-PRIMARY-EXCLUSIVE",), _both_is_204,
        requests={"secondary": _both_accepted}, profile="full",
    ),
)


class UnknownBrokenSet(LookupError):
    """No broken set has the name given; ``str(exc)`` is one sentence for the user."""


def set_names() -> list[str]:
    return [entry.name for entry in BROKEN_SETS]


def find_set(name: str, flag: str = "--break") -> BrokenSet:
    """The broken set called ``name``; one sentence with the nearest names otherwise."""
    for entry in BROKEN_SETS:
        if entry.name == name:
            return entry
    near = difflib.get_close_matches(name.strip().lower(), set_names(), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(near)}? " if near else ""
    raise UnknownBrokenSet(
        f"{flag} {name!r} is not a broken replication set ({hint}'{flag} list' names all "
        f"{len(BROKEN_SETS)})"
    )


def _check() -> None:
    """Names unique, bases named topologies, must_fail and may_fail disjoint and non-empty."""
    names = set_names()
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate broken set names: {names}")
    for entry in BROKEN_SETS:
        if entry.base not in NAMED:
            raise ValueError(f"{entry.name}: {entry.base!r} is not a named topology")
        if not entry.must_fail or set(entry.must_fail) & set(entry.may_fail):
            raise ValueError(f"{entry.name}: must_fail empty or shared with may_fail")


_check()
