"""Every enumeration the reference server can produce, against the spec's (issue 13).

The server's state model is walked through everything it can be configured into (each
scenario, each modelled mode, each secondary state and connection state, connected and
disconnected peers, every stage of a reindex), and each enumerated member of every status
document it produces is collected. What the server produces must be in the spec's enum; and
where the server models the whole domain, every value of the spec's enum must be produced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from replcheck.reference_server.config import (
    SCENARIOS,
    ConfigError,
    PeerConfig,
    SectionConfig,
    ServerConfig,
)
from replcheck.reference_server.replication import ReplicationState
from replcheck.reference_server.scenarios import build_replication
from replcheck.spec import domains
from replcheck.spec.violations import violations

from .conftest import ManualClock

_PEER = PeerConfig(api_address="https://127.0.0.1:1", cluster_address="https://127.0.0.1:2",
                   node_id="n1")


def _states() -> Iterator[tuple[ReplicationState, ManualClock]]:
    """The server's state model in every configuration it accepts."""
    for scenario in SCENARIOS:
        clock = ManualClock()
        yield build_replication(ServerConfig(scenario=scenario), clock), clock
    for mode in domains.shaped_modes():
        for state in domains.secondary_states():
            for connection_state in domains.connection_states():
                for status in domains.connection_statuses():
                    peer = PeerConfig(**{**_PEER.__dict__, "connection_status": status})
                    section = SectionConfig(
                        mode=mode, state=state, connection_state=connection_state,
                        primary_cluster_addr="https://127.0.0.1:3", peers=[peer],
                    )
                    config = ServerConfig(scenario="disabled", dr=section, performance=section)
                    clock = ManualClock()
                    yield build_replication(config, clock), clock


def _documents() -> Iterator[dict[str, Any]]:
    """Every status document of every state: as configured, with a peer gone, and at each
    moment of a reindex (stepped by the manual clock until it has finished)."""
    for state, clock in _states():
        yield state.status()
        if not state.enabled:
            continue
        state.start_reindex(diff=True, force=True, skip_flush=False)
        while state.reindex_in_progress():
            yield state.status()
            clock.advance(state.reindex_stage_seconds / 2)
        yield state.status()
        for name in domains.sections():
            state.disconnect_peer(name)
        yield state.status()


@pytest.fixture(scope="module")
def produced() -> dict[str, set[Any]]:
    """Value sets by spec reference, collected from every document the server produced."""
    values: dict[str, set[Any]] = defaultdict(set)
    for document in _documents():
        assert violations("status", {"data": document}) == []
        sections = [document] if set(document) == {"mode"} else list(document.values())
        for section in sections:
            values[MODE].add(section["mode"])
            if "state" in section:
                kind = PRIMARY_STATE if section["mode"] == "primary" else SECONDARY_STATE
                values[kind].add(section["state"])
            if "connection_state" in section:
                values[CONNECTION_STATE].add(section["connection_state"])
            if "reindex_stage" in section:
                values[STAGE].add(section["reindex_stage"])
            for peer in section.get("secondaries", []) + section.get("primaries", []):
                values[CONNECTION_STATUS].add(peer["connection_status"])
    return values


MODE = "cluster-section.json#/properties/mode"
PRIMARY_STATE = "cluster-section.json#/$defs/primary/properties/state"
SECONDARY_STATE = "cluster-section.json#/$defs/secondary/properties/state"
CONNECTION_STATE = "cluster-section.json#/properties/connection_state"
CONNECTION_STATUS = "peer.json#/properties/connection_status"
STAGE = "cluster-section.json#/properties/reindex_stage"
#: Domains the server models in full: it must produce every value the spec enumerates.
WHOLE = (PRIMARY_STATE, SECONDARY_STATE, CONNECTION_STATE, CONNECTION_STATUS, STAGE)


@pytest.mark.parametrize("ref", [MODE, *WHOLE])
def test_the_server_produces_only_values_the_spec_enumerates(
    produced: dict[str, set[Any]], ref: str
) -> None:
    assert produced[ref], f"the walk produced no value for {ref}"
    assert produced[ref] <= set(domains.enum(ref))


@pytest.mark.parametrize("ref", WHOLE)
def test_the_server_produces_every_value_the_spec_enumerates(
    produced: dict[str, set[Any]], ref: str
) -> None:
    assert produced[ref] == set(domains.enum(ref))


def test_the_modes_produced_are_exactly_those_whose_shape_the_spec_states(
    produced: dict[str, set[Any]],
) -> None:
    assert produced[MODE] == set(domains.shaped_modes())


@pytest.mark.parametrize("mode", sorted(set(domains.modes()) - set(domains.shaped_modes())))
def test_modes_the_spec_gives_no_shape_are_refused_by_the_config(mode: str) -> None:
    """``bootstrapping`` and ``unsupported`` are reported by Vault but carry no stated shape,
    so the server does not model them, and says so at start rather than inventing one."""
    with pytest.raises(ConfigError, match="mode"):
        ServerConfig(scenario="disabled", dr=SectionConfig(mode=mode))


def test_reindex_stages_come_in_the_spec_order() -> None:
    clock = ManualClock()
    state = build_replication(ServerConfig(scenario="dr-perf-primary"), clock)
    state.start_reindex(diff=False, force=False, skip_flush=True)
    seen: list[str] = []
    while state.reindex_in_progress():
        stage = state.status()["dr"]["reindex_stage"]
        if not seen or seen[-1] != stage:
            seen.append(stage)
        clock.advance(state.reindex_stage_seconds / 4)
    assert tuple(seen) == domains.reindex_stages()


def test_the_status_sections_are_the_spec_sections() -> None:
    state = build_replication(ServerConfig(scenario="dr-perf-primary"), ManualClock())
    assert tuple(state.status()) == domains.sections()
