"""``secret/``: a small KV version 1 mount, as ``vault server -dev`` mounted one before 1.1.

It gives a replication set something to replicate that a user can see: write on a primary,
read on a performance secondary. Reads, writes (the whole body is the secret's data), deletes
and lists follow Vault's kv v1 backend: tokens and ACL as every logical path (a write to a new
key needs ``create``, to an existing one ``update``), 404 with no errors for a missing key or
an empty listing, 204 for a write or delete. A write on a performance secondary is made on its
primary, as Vault forwards it, and comes back through the stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..conventions.errors import VaultError
from ..routing import Reply, Request, Route
from ..status_values import PERFORMANCE, SECONDARY
from ..topology.wal import KvDelete, KvPut

if TYPE_CHECKING:
    from ..topology.node import ClusterNode

__all__ = ["ROUTES"]

MOUNT_TYPE = "kv"


def _key(request: Request) -> str:
    return request.variables.get("path", "")


def _writer(request: Request) -> ClusterNode:
    """Where a write lands: this cluster, or the primary of a performance secondary."""
    node = request.core.node
    role = node.roles.get(PERFORMANCE)
    if role is not None and role.kind == SECONDARY and role.upstream is not None \
            and role.upstream.connected():
        return role.upstream.primary
    return node


def kv_exists(request: Request) -> bool:
    return _key(request) in request.core.node.kv


def read(request: Request) -> Reply:
    data = request.core.node.kv.get(_key(request))
    if data is None:
        raise VaultError(404)
    return Reply(data=dict(data))


def write(request: Request) -> Reply:
    data = {k: v for k, v in request.params.items() if k != "path"}
    if not data:
        raise VaultError(400, "missing data fields")
    node = _writer(request)
    op = KvPut(_key(request), data)
    with node.core.replication.lock:
        op.apply(node.data)
        node.record(op)
    return Reply()


def delete(request: Request) -> Reply:
    node = _writer(request)
    op = KvDelete(_key(request))
    with node.core.replication.lock:
        op.apply(node.data)
        node.record(op)
    return Reply()


def list_keys(request: Request) -> Reply:
    prefix = _key(request)
    keys: set[str] = set()
    for path in request.core.node.kv:
        if path.startswith(prefix):
            rest = path[len(prefix):]
            head, slash, _ = rest.partition("/")
            keys.add(head + slash)
    if not keys:
        raise VaultError(404)
    return Reply(data={"keys": sorted(keys)})


ROUTES = [
    Route("secret", {"list": list_keys}, mount=MOUNT_TYPE),
    Route("secret/:path", {"read": read, "update": write, "delete": delete, "list": list_keys},
          exists=kv_exists, mount=MOUNT_TYPE),
]
