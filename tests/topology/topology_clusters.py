"""Helpers for the topology server's tests: a manual clock, a started topology, a client per
cluster, and a DR operation token generated through the API with the printed unseal key."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.network import NetworkSettings
from replcheck.reference_server.topology.runtime import TopologyServer

#: Short, exact durations: a step of STEP seconds passes one phase or one lag.
SETTINGS = NetworkSettings(lag_seconds=0.5, merkle_diff_seconds=1.0, merkle_sync_seconds=1.0)
SETTLE = 2.5  # past merkle-diff and merkle-sync, and one lag


class ManualClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Cluster:
    """One cluster seen through HTTP, with its root token."""

    def __init__(self, server: TopologyServer, name: str) -> None:
        self.server, self.name = server, name
        self.url = server.url(name)
        self.core = server.core(name)
        self.http = httpx.Client(base_url=self.url + "/v1/", timeout=10.0)

    def post(self, path: str, body: dict[str, Any] | None = None, *,
             token: str | None = "root") -> httpx.Response:
        headers = {"X-Vault-Token": token} if token else {}
        return self.http.post(path, json=body or {}, headers=headers)

    def get(self, path: str, *, token: str | None = "root") -> httpx.Response:
        headers = {"X-Vault-Token": token} if token else {}
        return self.http.get(path, headers=headers)

    def put(self, path: str, body: dict[str, Any], *, token: str | None = "root") -> httpx.Response:
        return self.http.put(path, json=body, headers={"X-Vault-Token": token} if token else {})

    def status(self) -> dict[str, Any]:
        response = self.http.get("sys/replication/status")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def section(self, mode: str) -> dict[str, Any]:
        section: dict[str, Any] = self.status()[mode]
        return section

    def operation_token(self) -> str:
        """A DR operation token: attempt, the unseal key shares, decoded with the OTP."""
        attempt = self.http.post("sys/replication/dr/secondary/generate-operation-token/attempt",
                                 json={})
        assert attempt.status_code == 200, attempt.text
        otp, nonce = attempt.json()["otp"], attempt.json()["nonce"]
        answer: dict[str, Any] = {}
        for key in self.core.unseal_keys[: self.core.unseal_threshold]:
            answer = self.http.post(
                "sys/replication/dr/secondary/generate-operation-token/update",
                json={"key": key, "nonce": nonce},
            ).json()
        return decode_token(answer["encoded_token"], otp)


def decode_token(encoded: str, otp: str) -> str:
    raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()


@contextmanager
def topology(name: str = "dr-pair", *, link: bool = True,
             faults: tuple[Any, ...] = ()) -> Iterator[tuple[dict[str, Cluster], ManualClock]]:
    clock = ManualClock()
    definition = load(name)
    if faults:
        from replcheck.reference_server.topology.definition import with_faults
        definition = with_faults(definition, faults)
    with TopologyServer(definition, link=link, clock=clock, settings=SETTINGS) as server:
        clusters = {c.name: Cluster(server, c.name) for c in definition.clusters}
        try:
            yield clusters, clock
        finally:
            for cluster in clusters.values():
                cluster.http.close()


def snapshot(clusters: dict[str, Cluster]) -> dict[str, Any]:
    """Every cluster's status and replicated data, to compare before and after a refusal."""
    return {
        name: copy.deepcopy({
            "status": c.status(),
            "kv": c.core.node.kv,
            "policies": c.core.policies.items(),
            "tokens": sorted(e.key for e in c.core.tokens.entries()),
            "wal": len(c.core.node.log),
            "refuse": c.core.refuse_as_dr_secondary,
        })
        for name, c in clusters.items()
    }
