"""The live replication model a server starts with: a state of ``states.STATES``, with the
sections a config file overrides."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from .config import ServerConfig
from .replication import Peer, ReplicationState, Section
from .section_config import SectionConfig
from .states import INITIAL_WAL, STATES
from .status_values import (
    CONNECTED,
    DISABLED,
    PRIMARY,
    READY,
    RUNNING,
    SECONDARY,
    SECTIONS,
    STREAM_WALS,
)

__all__ = ["base_sections", "build_replication"]


def base_sections(scenario: str) -> dict[str, SectionConfig]:
    """The two sections a state starts with, before any config override."""
    return STATES[scenario].sections()


def _section(name: str, config: SectionConfig, now: float) -> Section:
    secondary = config.mode == SECONDARY
    streaming = secondary and config.state == STREAM_WALS and config.connection_state == READY
    peers = [
        Peer(
            api_address=p.api_address,
            cluster_address=p.cluster_address,
            node_id=p.node_id,
            connected=p.connection_status == CONNECTED and (streaming or not secondary),
            since=now,
            clock_skew_ms=p.clock_skew_ms,
        )
        for p in config.peers
    ]
    return Section(
        name=name,
        mode=config.mode,
        cluster_id=config.cluster_id or (str(uuid.uuid4()) if config.mode != DISABLED else ""),
        primary_cluster_addr=config.primary_cluster_addr,
        known_primary_cluster_addrs=config.known_primary_cluster_addrs,
        secondary_id=config.secondary_id,
        state=RUNNING if config.mode == PRIMARY else config.state,
        connection_state=config.connection_state,
        peers=peers,
        last_remote_wal=config.last_wal,
        primary_wal=config.last_wal,
        last_start=now,
    )


def build_replication(config: ServerConfig, clock: Callable[[], float]) -> ReplicationState:
    """The live replication state for ``config``: its starting state, with section overrides."""
    now = clock()
    sections = base_sections(config.scenario)
    for name in SECTIONS:
        override = getattr(config, name)
        if override is not None:
            sections[name] = override
    return ReplicationState(
        {name: _section(name, sections[name], now) for name in sections},
        clock=clock,
        community=STATES[config.scenario].community,
        initial_wal=INITIAL_WAL,
        reindex_stage_seconds=config.reindex_stage_seconds,
        heartbeat_interval=config.heartbeat_interval_seconds,
    )
