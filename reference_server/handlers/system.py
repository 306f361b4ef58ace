"""``sys/health`` and ``sys/internal/specs/openapi``: unauthenticated, answered without envelope."""

from __future__ import annotations

import json
from functools import cache

from ..routing import Reply, Request, Route
from ..vault_http import VaultError

__all__ = ["ROUTES"]

#: Vault answers 472 from a DR secondary unless ``drsecondarycode`` says otherwise.
DR_SECONDARY_CODE = 472


@cache
def openapi_json() -> bytes:
    import replcheck_spec

    return json.dumps(replcheck_spec.bundled_openapi(), separators=(",", ":")).encode()


def read_openapi(request: Request) -> Reply:
    return Reply(raw=openapi_json())


def read_health(request: Request) -> Reply:
    core = request.core
    modes = core.replication.modes()
    if core.community:
        modes = {"dr": "disabled", "performance": "disabled"}
    now = core.clock()
    body = {
        "initialized": True,
        "sealed": False,
        "standby": False,
        "performance_standby": False,
        "replication_performance_mode": modes["performance"],
        "replication_dr_mode": modes["dr"],
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
    if modes["dr"] == "secondary":
        status = request.params.get("drsecondarycode", DR_SECONDARY_CODE)
        if not 200 <= status <= 499:
            raise VaultError(400, "drsecondarycode must be an HTTP status between 200 and 499")
    return Reply(status=status, raw=json.dumps(body, separators=(",", ":")).encode())


HEALTH_FIELDS = {
    name: "string"
    for name in ("standbyok", "perfstandbyok", "activecode", "standbycode", "sealedcode",
                 "uninitcode", "performancestandbycode", "removedcode", "haunhealthycode")
} | {"drsecondarycode": "int"}

ROUTES = [
    Route("sys/health", {"read": read_health}, fields=HEALTH_FIELDS, unauthenticated=True,
          head=True),
    Route("sys/internal/specs/openapi", {"read": read_openapi}, unauthenticated=True),
]
