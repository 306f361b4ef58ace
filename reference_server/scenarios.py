"""The topologies a server can start in, and how a config's topology overrides them.

=====================  ============================================================
``dr-perf-primary``    DR primary and performance primary, one connected secondary each
``perf-secondary``     DR primary with a DR secondary; performance secondary streaming
``disabled``           Enterprise with replication off: ``{"dr": {"mode": "disabled"}, ...}``
``dr-secondary-idle``  a DR secondary that was never activated; performance disabled
``community``          Vault Community Edition: flat ``{"mode": "disabled"}``, and
                       recover/reindex answer 404 ``enterprise-only feature``
=====================  ============================================================
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from .config import PeerConfig, SectionConfig, ServerConfig
from .replication import Peer, ReplicationState, Section
from .status_values import (
    CONNECTED,
    CONNECTION_IDLE,
    DISABLED,
    DR,
    IDLE,
    PERFORMANCE,
    PRIMARY,
    READY,
    RUNNING,
    SECONDARY,
    SECTIONS,
    STREAM_WALS,
)

__all__ = ["base_sections", "build_replication"]

_DR_ID = "f2c21cb5-523f-617b-20ac-c913d9154ba6"
_PERF_ID = "1598d434-dfec-1f48-f019-3d22a8075bf9"
_PRIMARY_ADDR = "https://127.0.0.1:8201"
_INITIAL_WAL = 291


def _peer(node_id: str, api_port: int, cluster_port: int) -> PeerConfig:
    return PeerConfig(
        node_id=node_id,
        api_address=f"https://127.0.0.1:{api_port}",
        cluster_address=f"https://127.0.0.1:{cluster_port}",
    )


def base_sections(scenario: str) -> dict[str, SectionConfig]:
    """The two sections a scenario starts with, before any topology override."""
    disabled = SectionConfig(mode=DISABLED)
    if scenario == "dr-perf-primary":
        return {
            DR: SectionConfig(mode=PRIMARY, cluster_id=_DR_ID, state=RUNNING,
                                peers=[_peer("3", 49264, 49267)]),
            PERFORMANCE: SectionConfig(mode=PRIMARY, cluster_id=_PERF_ID, state=RUNNING,
                                         peers=[_peer("2", 49253, 49256)]),
        }
    if scenario == "perf-secondary":
        primary = PeerConfig(api_address="https://127.0.0.1:49244", cluster_address=_PRIMARY_ADDR)
        return {
            DR: SectionConfig(mode=PRIMARY, cluster_id="e4bfa800-002e-7b6d-14c2-617855ece02f",
                              state=RUNNING, peers=[_peer("4", 49277, 49281)]),
            PERFORMANCE: SectionConfig(
                mode=SECONDARY, cluster_id=_PERF_ID, primary_cluster_addr=_PRIMARY_ADDR,
                known_primary_cluster_addrs=[_PRIMARY_ADDR], secondary_id="2",
                state=STREAM_WALS, connection_state=READY, last_wal=_INITIAL_WAL,
                peers=[primary],
            ),
        }
    if scenario == "dr-secondary-idle":
        return {
            DR: SectionConfig(mode=SECONDARY, cluster_id=_DR_ID, state=IDLE,
                              connection_state=CONNECTION_IDLE),
            PERFORMANCE: disabled,
        }
    return {DR: disabled, PERFORMANCE: SectionConfig(mode=DISABLED)}


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
    """The live replication state for ``config``: its scenario, with topology overrides."""
    now = clock()
    sections = base_sections(config.scenario)
    for name in SECTIONS:
        override = getattr(config, name)
        if override is not None:
            sections[name] = override
    return ReplicationState(
        {name: _section(name, sections[name], now) for name in sections},
        clock=clock,
        community=config.scenario == "community",
        initial_wal=_INITIAL_WAL,
        reindex_stage_seconds=config.reindex_stage_seconds,
        heartbeat_interval=config.heartbeat_interval_seconds,
    )
