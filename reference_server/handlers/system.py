"""System paths outside replication.

* ``sys/health``, ``sys/seal-status``, ``sys/init``: in Vault these have their own HTTP
  handlers (no token, no envelope; any other method is 405 ``{"errors":[]}``). Their shapes
  follow Vault's (unsealed, initialized, Shamir seal with the cluster's shares); ``sys/leader``
  is in ``leader``;
  ``bao status`` / ``vault status`` read the first two.
* ``sys/internal/specs/openapi``: unauthenticated, the contract's bundled document.
* ``sys/rotate``: an update-only path needing sudo, like ``sys/replication/reindex``; rotating
  the (absent) encryption key does nothing here and answers 204, as Vault does.
"""

from __future__ import annotations

import json
from functools import cache

from ..conventions.errors import VaultError
from ..routing import Reply, Request, Route
from ..status_values import DISABLED, DR, PERFORMANCE, SECONDARY, SECTIONS
from ..topology.wal import Mark

__all__ = ["ROUTES"]

#: Vault answers 472 from a DR secondary unless ``drsecondarycode`` says otherwise.
DR_SECONDARY_CODE = 472


@cache
def openapi_json() -> bytes:
    from replcheck import spec
    return json.dumps(spec.bundled_openapi(), separators=(",", ":")).encode()


def read_openapi(request: Request) -> Reply:
    return Reply(raw=openapi_json())


def read_health(request: Request) -> Reply:
    core = request.core
    modes = core.replication.modes()
    if core.community:
        modes = dict.fromkeys(SECTIONS, DISABLED)
    now = core.clock()
    body = {
        "initialized": True,
        "sealed": False,
        "standby": False,
        "performance_standby": False,
        "replication_performance_mode": modes[PERFORMANCE],
        "replication_dr_mode": modes[DR],
        "server_time_utc": int(now),
        "version": core.version,
        "enterprise": not core.community,
        "cluster_name": core.config.cluster_name,
        "cluster_id": core.replication.cluster_id(),
        "echo_duration_ms": 0,
        "clock_skew_ms": 0,
        "replication_primary_canary_age_ms": 0,
    }
    status = 200
    if modes[DR] == SECONDARY:
        status = request.params.get("drsecondarycode", DR_SECONDARY_CODE)
        if not 200 <= status <= 499:
            raise VaultError(400, "drsecondarycode must be an HTTP status between 200 and 499")
    return Reply(status=status, raw=json.dumps(body, separators=(",", ":")).encode())


def read_seal_status(request: Request) -> Reply:
    core = request.core
    body = {
        "type": "shamir",
        "initialized": True,
        "sealed": False,
        "t": core.unseal_threshold,
        "n": len(core.unseal_keys),
        "progress": 0,
        "nonce": "",
        "version": core.version,
        "build_date": BUILD_DATE,
        "migration": False,
        "cluster_name": core.config.cluster_name,
        "cluster_id": core.replication.cluster_id(),
        "recovery_seal": False,
        "storage_type": "inmem",
    }
    return Reply(raw=json.dumps(body, separators=(",", ":")).encode())


def read_init(request: Request) -> Reply:
    return Reply(raw=b'{"initialized":true}')


def write_init(request: Request) -> Reply:
    raise VaultError(400, "Vault is already initialized")


def rotate(request: Request) -> Reply:
    request.core.node.record(Mark(performance=True))
    return Reply()


#: Build date reported by ``sys/seal-status`` (Vault's ``build_date``), fixed for the version.
BUILD_DATE = "2024-08-28T16:28:37Z"

HEALTH_FIELDS = {
    name: "string"
    for name in ("standbyok", "perfstandbyok", "activecode", "standbycode", "sealedcode",
                 "uninitcode", "performancestandbycode", "removedcode", "haunhealthycode")
} | {"drsecondarycode": "int"}

ROUTES = [
    Route("sys/health", {"read": read_health}, fields=HEALTH_FIELDS, head=True, dedicated=True),
    Route("sys/seal-status", {"read": read_seal_status}, dedicated=True),
    Route("sys/init", {"read": read_init, "update": write_init}, dedicated=True),
    Route("sys/internal/specs/openapi", {"read": read_openapi}, unauthenticated=True),
    Route("sys/rotate", {"update": rotate}, sudo=True),
]
