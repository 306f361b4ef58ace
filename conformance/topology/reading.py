"""One round of a live topology run: every cluster read once, secondaries before their primary.

Each cluster is read with three unauthenticated requests, through its own ``RecordingClient``
(the run's bounds, the cluster's TLS settings, the run's masker, every exchange recorded for
the reports): ``sys/replication/status`` (its read time, the midpoint of the request, is what
the relations compare), ``sys/leader`` (the leader's cluster address) and ``sys/health`` with
the query Vault's docs give for a health check that must not fail on a standby, a performance
standby, a DR secondary (472 otherwise), a sealed or an uninitialised node: each code is asked
to be 200, so the body (``version``, ``clock_skew_ms`` …) is read whatever the node is.

The order matters for the WAL bound: a secondary read before its primary can only be behind it
(HashiCorp's own helpers read secondaries first). ``read_order`` ranks clusters by their roles:
a cluster that is only a secondary first, then one that is a secondary in one mode and a
primary in the other (a performance secondary with its own DR secondary), then the rest.

A cluster that cannot be read (unreachable, an answer beyond the bounds, a status that is not
200) gives a ``ClusterRead`` whose ``error`` says why in one sentence; the others are read on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from replcheck.conformance.topology.snapshot import ClusterRead, Round
from replcheck.conformance.topology.targets import ClusterTarget
from replcheck.conformance.transport.client import (
    RecordingClient,
    TargetUnreachable,
    UnsendableRequest,
)

__all__ = ["HEALTH_QUERY", "ReadFailed", "read_cluster", "read_order", "read_round", "roles_of"]

STATUS = "/v1/sys/replication/status"
LEADER = "/v1/sys/leader"
HEALTH = "/v1/sys/health"

#: sys/health's query: every kind of node answers 200 with its body (Vault's docs: the
#: ``*code`` parameters set the status returned for each state; ``perfstandbyok`` and
#: ``standbyok`` make standbys count as active).
HEALTH_QUERY: dict[str, str] = {
    "standbyok": "true",
    "perfstandbyok": "true",
    "standbycode": "200",
    "performancestandbycode": "200",
    "drsecondarycode": "200",
    "uninitcode": "200",
    "sealedcode": "200",
}

MODES = ("dr", "performance")


class ReadFailed(Exception):
    """One request of a cluster's read gave nothing usable (one sentence)."""


def _body(client: RecordingClient, path: str, cluster: str, *,
          params: Mapping[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """The JSON object ``path`` answered, and the midpoint of the request (epoch seconds)."""
    before = time.time()
    try:
        exchange = client.send("GET", path, params=params, purpose="topology read",
                               origin=f"topology:{cluster}")
    except (TargetUnreachable, UnsendableRequest) as exc:
        raise ReadFailed(f"cluster {cluster} could not be read: {exc}") from None
    midpoint = (before + time.time()) / 2
    response = exchange.response
    if response is None:  # a plan: nothing is sent
        raise ReadFailed(f"cluster {cluster} was not read (nothing is sent in a plan)")
    try:
        body = json.loads(response.body) if response.body else None
    except ValueError:
        body = None
    if response.status != 200 or not isinstance(body, dict):
        shown = client.masker.mask(response.body.strip()[:200])
        raise ReadFailed(
            f"cluster {cluster}: GET {path.removeprefix('/v1/')} answered {response.status}"
            f"{' ' + shown if shown else ''}, not a JSON object with status 200"
        )
    return body, midpoint


def read_cluster(client: RecordingClient, target: ClusterTarget) -> ClusterRead:
    """``target`` read once: its status (with its read time), sys/leader and sys/health; a
    cluster that cannot be read carries ``error``."""
    name, url = target.name, target.url
    try:
        status, read_at = _body(client, STATUS, name)
    except ReadFailed as exc:
        return ClusterRead(name, time.time(), None, error=str(exc), url=url)
    data = status.get("data")
    if not isinstance(data, dict):
        return ClusterRead(name, read_at, None, url=url,
                           error=f"cluster {name}: its replication status has no data object")
    extra: dict[str, dict[str, Any] | None] = {}
    for key, path, params in (("leader", LEADER, None), ("health", HEALTH, HEALTH_QUERY)):
        try:
            extra[key] = _body(client, path, name, params=params)[0]
        except ReadFailed:
            # The status was read: its relations are judged; those needing this read say so.
            extra[key] = None
    return ClusterRead(name, read_at, data, leader=extra["leader"], health=extra["health"],
                       url=url)


def read_round(clients: Mapping[str, RecordingClient],
               order: Sequence[ClusterTarget]) -> Round:
    """Every cluster of ``order`` read once, in that order."""
    return tuple(read_cluster(clients[target.name], target) for target in order)


def roles_of(read: ClusterRead) -> dict[str, str]:
    """mode -> the role a read shows (``primary``, ``secondary`` …; unread modes left out)."""
    roles = {}
    for mode in MODES:
        section = (read.status or {}).get(mode)
        value = section.get("mode") if isinstance(section, dict) else None
        if isinstance(value, str):
            roles[mode] = value
    return roles


def _rank(roles: Mapping[str, str]) -> int:
    values = set(roles.values())
    secondary, primary = "secondary" in values, "primary" in values
    if secondary and not primary:
        return 0
    if secondary:
        return 1
    return 2


def read_order(targets: Sequence[ClusterTarget],
               roles: Mapping[str, Mapping[str, str]]) -> list[ClusterTarget]:
    """``targets`` with every secondary before its primary, by the roles given per cluster
    (from the targets file or a first read); clusters of one rank keep their order."""
    return sorted(targets, key=lambda target: _rank(roles.get(target.name, {})))
