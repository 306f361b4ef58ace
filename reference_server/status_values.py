"""The values of the status document the reference server's model uses, checked against the spec.

The spec (``replcheck.spec.domains``) is the only home of the value domains: the replication
modes, the primary and secondary states, connection states and statuses, the reindex stages,
the section names. The server's model picks single values out of them (a primary is
``running``, a repaired stream goes back to ``stream-wals``); each pick is named here once and
checked against the spec's enumeration at import, so a value the spec drops or renames stops
the server from starting instead of producing documents the contract refuses.
"""

from __future__ import annotations

from replcheck.spec import domains

__all__ = [
    "CONNECTED",
    "CONNECTION_STATES",
    "CONNECTION_STATUSES",
    "DISABLED",
    "DISCONNECTED",
    "DR",
    "IDLE",
    "MODELLED_MODES",
    "PERFORMANCE",
    "PRIMARY",
    "READY",
    "REINDEX_STAGES",
    "RUNNING",
    "SECONDARY",
    "SECONDARY_STATES",
    "SECTIONS",
    "STREAM_WALS",
    "TRANSIENT_FAILURE",
]

_MODE = "cluster-section.json#/properties/mode"
_PRIMARY_STATE = "cluster-section.json#/$defs/primary/properties/state"
_SECONDARY_STATE = "cluster-section.json#/$defs/secondary/properties/state"
_CONNECTION_STATE = "cluster-section.json#/properties/connection_state"
_CONNECTION_STATUS = "peer.json#/properties/connection_status"

#: ``dr`` and ``performance``, in the order the status document lists them.
SECTIONS = domains.sections()
DR, PERFORMANCE = SECTIONS

DISABLED = domains.member(_MODE, "disabled")
PRIMARY = domains.member(_MODE, "primary")
SECONDARY = domains.member(_MODE, "secondary")
#: The modes the server can be configured in: those whose section shape the spec states.
MODELLED_MODES = domains.shaped_modes()

RUNNING = domains.member(_PRIMARY_STATE, "running")
SECONDARY_STATES = domains.secondary_states()
STREAM_WALS = domains.member(_SECONDARY_STATE, "stream-wals")
IDLE = domains.member(_SECONDARY_STATE, "idle")

CONNECTION_STATES = domains.connection_states()
READY = domains.member(_CONNECTION_STATE, "ready")
TRANSIENT_FAILURE = domains.member(_CONNECTION_STATE, "transient_failure")

CONNECTION_STATUSES = domains.connection_statuses()
CONNECTED = domains.member(_CONNECTION_STATUS, "connected")
DISCONNECTED = domains.member(_CONNECTION_STATUS, "disconnected")

#: The stages of a reindex, in the order it passes through them.
REINDEX_STAGES = domains.reindex_stages()
