"""The relations across clusters, one module per area; ``all_relations()`` loads them."""

from __future__ import annotations

from replcheck.conformance.topology.relations import REGISTRY, Relation
from replcheck.conformance.topology.rules import (  # noqa: F401 -- registered at import
    addresses,
    connection,
    history,
    identity,
    progress,
    states,
    versions,
)

__all__ = ["all_relations"]


def all_relations() -> list[Relation]:
    """Every registered relation, in the catalogue order of their requirement ids."""
    return sorted(REGISTRY.values(), key=lambda r: _ORDER.get(r.requirement, len(_ORDER)))


#: The order of spec/requirements.yaml's TOPOLOGY-* entries.
_ORDER = {rid: i for i, rid in enumerate((
    "TOPOLOGY-SHARED-CLUSTER-ID", "TOPOLOGY-SECONDARY-KNOWN", "TOPOLOGY-PEER-IDS",
    "TOPOLOGY-ONE-PRIMARY", "TOPOLOGY-EXPECTED-ROLES", "TOPOLOGY-PRIMARY-ADDRS",
    "TOPOLOGY-PEER-ADDRESSES", "TOPOLOGY-WAL-BOUND", "TOPOLOGY-MERKLE-CONVERGE",
    "TOPOLOGY-HEALTHY-STATES", "TOPOLOGY-CONNECTION-AGREES", "TOPOLOGY-HEARTBEAT-AGE",
    "TOPOLOGY-VERSION-ORDER", "TOPOLOGY-CLOCK-SKEW", "TOPOLOGY-CANARY-AGE",
    "TOPOLOGY-MERKLE-LOOP", "TOPOLOGY-STREAM-RESUMES", "TOPOLOGY-HEARTBEAT-ADVANCES",
))}
