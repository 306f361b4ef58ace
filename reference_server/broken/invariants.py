"""The zoo's invariants category. What must hold between status reads."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..replication import rfc3339
from .asgi import DR_STATUS, PERFORMANCE_STATUS, REINDEX, ResponseHook, ZooRequest, ZooResponse
from .model import BrokenServer, deviate, on_status, peers, primaries, reads_status, writes_to
from .serving import Probe


def _known_secondaries_mismatch(data: dict[str, Any]) -> None:
    for section in primaries(data):
        section["known_secondaries"] = [f"node-{node}" for node in section["known_secondaries"]]


def _wal_goes_back() -> Callable[[dict[str, Any]], None]:
    """Every second read reports last_wal a few entries behind the read before it."""
    reads = itertools.count()

    def change(data: dict[str, Any]) -> None:
        if next(reads) % 2:
            for section in primaries(data):
                section["last_wal"] = max(0, section["last_wal"] - 5)

    return change


def _fresh_cluster_id(data: dict[str, Any]) -> None:
    data["dr"]["cluster_id"] = str(uuid.uuid4())


def _dr_status_other_cluster(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """dr/status reports a cluster id of its own, not the one status's dr section carries."""
    if request.method != "GET" or request.clean != DR_STATUS or response.status != 200:
        return response
    body = response.json()
    body["data"]["cluster_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, body["data"]["cluster_id"]))
    return response.with_json(body)


def _performance_status_is_dr(request: ZooRequest, response: ZooResponse) -> ZooResponse:
    """performance/status answers the dr section (a valid section, of the wrong family)."""
    if request.method != "GET" or request.clean != PERFORMANCE_STATUS or response.status != 200:
        return response
    body = response.json()
    body["data"] = request.core.replication.section_status("dr")
    return response.with_json(body)


def _section(probe: Probe, path: str) -> dict[str, Any]:
    data: dict[str, Any] = probe.send("GET", path).json()["data"]
    return data


def _heartbeat_in_future(data: dict[str, Any]) -> None:
    for peer in peers(data):
        if peer.get("connection_status") == "connected":
            peer["last_heartbeat"] = rfc3339(time.time() + 86400)


def _skew_with_unit(data: dict[str, Any]) -> None:
    for peer in peers(data):
        peer["clock_skew_ms"] = f"{peer['clock_skew_ms']}ms"


def _wal(probe: Probe) -> list[Any]:
    return [probe.status()["dr"]["last_wal"] for _ in range(3)]


def _wal_restarts_after_reindex() -> ResponseHook:
    """After a reindex, last_wal counts from 0 again: the counter was rebuilt, not kept."""
    base = 0

    def hook(request: ZooRequest, response: ZooResponse) -> ZooResponse:
        nonlocal base
        if writes_to(request, REINDEX) and response.status in (200, 204):
            base = request.core.replication.wal
        elif reads_status(request) and response.status == 200 and base:
            body = response.json()
            for section in primaries(body["data"]):
                section["last_wal"] = max(0, section["last_wal"] - base)
            return response.with_json(body)
        return response

    return hook


def _wal_around_reindex(probe: Probe) -> list[Any]:
    before = probe.status()["dr"]["last_wal"]
    probe.send("POST", REINDEX, token=probe.root)
    return [before, probe.status()["dr"]["last_wal"]]


def _goes_back(values: list[Any]) -> bool:
    return any(later < earlier for earlier, later in itertools.pairwise(values))


ENTRIES: tuple[BrokenServer, ...] = (
    BrokenServer(
        "known-secondaries-mismatch", "known_secondaries names ids that no secondary has",
        ("STATUS-KNOWN-SECONDARIES",),
        deviate(on_response=on_status(_known_secondaries_mismatch)),
        lambda p: p.status()["dr"]["known_secondaries"] == ["node-3"],
        category="invariants",
    ),
    BrokenServer(
        "wal-goes-back", "every second status read reports last_wal 5 entries lower",
        ("STATUS-WAL-MONOTONIC",),
        # a fresh counter per server: the factory runs once per server it builds
        lambda app: deviate(on_response=on_status(_wal_goes_back()))(app),
        lambda p: _goes_back(_wal(p)),
        category="invariants",
    ),
    BrokenServer(
        "wal-restarts-after-reindex", "after a reindex, last_wal counts from 0 again",
        ("STATUS-WAL-MONOTONIC",),
        lambda app: deviate(on_response=_wal_restarts_after_reindex())(app),
        lambda p: _goes_back(_wal_around_reindex(p)),
        category="invariants", profile="full",
    ),
    BrokenServer(
        "cluster-id-changes", "dr.cluster_id is a fresh UUID on every read",
        ("STATUS-STABLE-IDS",), deviate(on_response=on_status(_fresh_cluster_id)),
        lambda p: p.status()["dr"]["cluster_id"] != p.status()["dr"]["cluster_id"],
        category="invariants",
    ),
    BrokenServer(
        "dr-status-other-cluster", "dr/status reports another cluster_id than status's dr section",
        ("DR-STATUS-MATCHES-STATUS",), deviate(on_response=_dr_status_other_cluster),
        lambda p: _section(p, DR_STATUS)["cluster_id"] != p.status()["dr"]["cluster_id"],
        category="invariants",
    ),
    BrokenServer(
        "performance-status-is-dr", "performance/status answers the dr section",
        ("PERFORMANCE-STATUS-MATCHES-STATUS",), deviate(on_response=_performance_status_is_dr),
        lambda p: _section(p, PERFORMANCE_STATUS)["cluster_id"]
        != p.status()["performance"]["cluster_id"],
        category="invariants",
    ),
    BrokenServer(
        "heartbeat-in-future", "a connected peer's last_heartbeat is one day ahead",
        ("STATUS-HEARTBEAT-PLAUSIBLE",), deviate(on_response=on_status(_heartbeat_in_future)),
        lambda p: p.status()["dr"]["secondaries"][0]["last_heartbeat"]
        > rfc3339(time.time() + 3600),
        category="invariants",
    ),
    BrokenServer(
        "integer-string-with-unit", 'clock_skew_ms carries a unit ("0ms"), so it does not parse',
        ("STATUS-INTEGER-STRINGS",), deviate(on_response=on_status(_skew_with_unit)),
        lambda p: p.status()["dr"]["secondaries"][0]["clock_skew_ms"].endswith("ms"),
        category="invariants",
        may_fail=("STATUS-SCHEMA", "SCHEMA-RESPONSES"),
    ),
)
