"""``sys/leader``: the cluster answers as the active node of an HA cluster, from its addresses.

Vault serves ``sys/leader`` with its own HTTP handler (no token looked at, raw JSON, any other
method 405 ``{"errors":[]}``). Every reference cluster is one active node: ``ha_enabled`` and
``is_self`` are true, ``active_time`` is when it started (Go's RFC 3339 with nanoseconds, UTC),
and the leader's addresses are its own ``core.api_address`` / ``core.cluster_address`` — the
``leader_cluster_address`` HashiCorp's replication checks look for in a secondary's
``known_primary_cluster_addrs``. The member set is a real HA active node's (OpenBao on raft
answers the same members plus its raft indexes; the reference cluster's storage is in-memory,
so those are absent, as Vault leaves them out off raft).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ..routing import Reply, Request, Route

__all__ = ["ROUTES", "go_time"]


def go_time(epoch: float) -> str:
    """A time as Go's ``time.Time`` marshals to JSON (RFC 3339, nanoseconds, zeros trimmed)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def read_leader(request: Request) -> Reply:
    core = request.core
    body = {
        "ha_enabled": True,
        "is_self": True,
        "active_time": go_time(core.started),
        "leader_address": core.api_address,
        "leader_cluster_address": core.cluster_address,
        "performance_standby": False,
        "performance_standby_last_remote_wal": 0,
    }
    return Reply(raw=json.dumps(body, separators=(",", ":")).encode())


ROUTES = [Route("sys/leader", {"read": read_leader}, dedicated=True)]
