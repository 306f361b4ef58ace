"""Merkle roots of a cluster's replicated data, one tree per mode.

The performance tree holds what performance replication ships (policies, the ``secret/`` KV
data); the DR tree holds that and the tokens. A root is a SHA-1 over the canonical form of the
tree's content, prefixed with the tree's name and the replication set's ``cluster_id``: a
primary and a caught-up secondary have the same root in that mode, and a cluster's DR and
performance roots always differ. Each cluster's own dev root token is left out: it is the
cluster's, never replicated (docs/topology.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["tree_root"]


def tree_root(
    mode: str,
    cluster_id: str,
    policies: Iterable[tuple[str, str]],
    kv: dict[str, dict[str, Any]],
    token_keys: Iterable[bytes] | None,
) -> str:
    """The root of ``mode``'s tree; ``token_keys`` only for the DR tree."""
    digest = hashlib.sha1(f"{mode}\0{cluster_id}".encode(), usedforsecurity=False)
    for name, text in policies:
        digest.update(b"\0policy\0" + name.encode() + b"\0" + text.encode())
    for path in sorted(kv):
        digest.update(b"\0kv\0" + path.encode() + b"\0")
        digest.update(json.dumps(kv[path], sort_keys=True, separators=(",", ":")).encode())
    for key in sorted(token_keys or ()):
        digest.update(b"\0token\0" + key)
    return digest.hexdigest()
