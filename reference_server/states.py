"""The replication states a single server can start in: the one table of their names.

Each entry names a state (what ``replcheck serve`` is told to start in), says in one line what
it is, and builds the two sections it starts with; ``scenarios.build_replication`` turns them
into the live model, after a config file's section overrides. The command's choices, the
config's validation, the tests and the docs read the names from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .section_config import PeerConfig, SectionConfig
from .status_values import (
    DISABLED,
    DR,
    IDLE,
    PERFORMANCE,
    PRIMARY,
    READY,
    RUNNING,
    SECONDARY,
    STREAM_WALS,
)

__all__ = ["DEFAULT_STATE", "STATES", "State"]

_DR_ID = "f2c21cb5-523f-617b-20ac-c913d9154ba6"
_PERF_ID = "1598d434-dfec-1f48-f019-3d22a8075bf9"
_PRIMARY_ADDR = "https://127.0.0.1:8201"
#: The WAL index a model starts from (a secondary's primary is that far too).
INITIAL_WAL = 291


@dataclass(frozen=True)
class State:
    """A starting state: its name, what it is, and the sections it starts with."""

    name: str
    summary: str
    sections: Callable[[], dict[str, SectionConfig]]
    #: Vault Community Edition: flat ``{"mode": "disabled"}``, recover/reindex answer 404.
    community: bool = False


def _peer(node_id: str, api_port: int, cluster_port: int) -> PeerConfig:
    return PeerConfig(
        node_id=node_id,
        api_address=f"https://127.0.0.1:{api_port}",
        cluster_address=f"https://127.0.0.1:{cluster_port}",
    )


def _dr_perf_primary() -> dict[str, SectionConfig]:
    return {
        DR: SectionConfig(mode=PRIMARY, cluster_id=_DR_ID, state=RUNNING,
                          peers=[_peer("3", 49264, 49267)]),
        PERFORMANCE: SectionConfig(mode=PRIMARY, cluster_id=_PERF_ID, state=RUNNING,
                                   peers=[_peer("2", 49253, 49256)]),
    }


def _perf_secondary() -> dict[str, SectionConfig]:
    primary = PeerConfig(api_address="https://127.0.0.1:49244", cluster_address=_PRIMARY_ADDR)
    return {
        DR: SectionConfig(mode=PRIMARY, cluster_id="e4bfa800-002e-7b6d-14c2-617855ece02f",
                          state=RUNNING, peers=[_peer("4", 49277, 49281)]),
        PERFORMANCE: SectionConfig(
            mode=SECONDARY, cluster_id=_PERF_ID, primary_cluster_addr=_PRIMARY_ADDR,
            known_primary_cluster_addrs=[_PRIMARY_ADDR], secondary_id="2",
            state=STREAM_WALS, connection_state=READY, last_wal=INITIAL_WAL,
            peers=[primary],
        ),
    }


def _dr_secondary_idle() -> dict[str, SectionConfig]:
    # No primary: Vault 1.21 reports it idle, with no last_remote_wal (see the spec's corpus).
    return {DR: SectionConfig(mode=SECONDARY, cluster_id=_DR_ID, state=IDLE),
            PERFORMANCE: SectionConfig(mode=DISABLED)}


def _disabled() -> dict[str, SectionConfig]:
    return {DR: SectionConfig(mode=DISABLED), PERFORMANCE: SectionConfig(mode=DISABLED)}


STATES: dict[str, State] = {
    state.name: state
    for state in (
        State("dr-perf-primary",
              "DR primary and performance primary, one connected secondary each",
              _dr_perf_primary),
        State("perf-secondary",
              "DR primary with a DR secondary; performance secondary streaming",
              _perf_secondary),
        State("disabled",
              'Enterprise with replication off: {"dr": {"mode": "disabled"}, ...}', _disabled),
        State("dr-secondary-idle",
              "a DR secondary with no primary (never activated, or demoted): idle, no "
              "last_remote_wal; performance disabled",
              _dr_secondary_idle),
        State("community",
              'Vault Community Edition: flat {"mode": "disabled"}, recover/reindex answer 404 '
              "enterprise-only feature",
              _disabled, community=True),
    )
}
DEFAULT_STATE = "dr-perf-primary"
