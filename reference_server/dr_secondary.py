"""What a DR secondary still serves, and the answer to everything else.

A DR secondary holds its primary's replicated data but serves almost nothing: every request
outside a short list gets ``400 {"errors":["path disabled in replication DR secondary mode"]}``
(pasted real outputs for ``sys/mounts``, ``auth/token/lookup-self``, ``sys/storage/raft/
configuration``; HashiCorp's test helpers name the same error). What still answers: ``sys/health``,
``sys/seal-status``, ``sys/leader``, the three replication status endpoints, and the
``sys/replication/dr/secondary/*`` operations, which take a DR operation token instead of a
client token.

Where the refusal sits in the order of checks (``app``): right after Go's layers (the
printable-path check and the path-cleaning redirect) and the ``/v1/`` prefix, before the paths
with their own HTTP handler, the method, the body, authentication and routing. Why before
authentication: a DR secondary cannot look tokens up (its token store is not in use, which is
why its own operations take a DR operation token and Vault marks DR-gated paths such as
``storage/raft/configuration`` unauthenticated there), yet the real outputs show requests that
carry tokens refused with this 400, never with a 403 for the token. Why before the dedicated
handlers too: HashiCorp's helper reports ``sys/unseal`` (a handler of its own, no token)
answering this very error on an unsealed DR secondary. So a request without a token to an
ordinary path gets this 400, not ``403 permission denied``; an unknown path gets it too.
"""

from __future__ import annotations

__all__ = ["DR_SECONDARY_REFUSAL", "served_on_dr_secondary"]

DR_SECONDARY_REFUSAL = "path disabled in replication DR secondary mode"

_SERVED = frozenset({
    "sys/health",
    "sys/seal-status",
    "sys/leader",
    "sys/replication/status",
    "sys/replication/dr/status",
    "sys/replication/performance/status",
})
_SERVED_PREFIX = "sys/replication/dr/secondary/"


def served_on_dr_secondary(path: str) -> bool:
    """Whether a DR secondary answers the logical ``path`` (no ``/v1/``, as decoded)."""
    return path in _SERVED or path.startswith(_SERVED_PREFIX)
