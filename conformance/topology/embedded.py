"""A named reference topology served in this process, as the targets of a topology run:
``replcheck run --topology NAME --embedded`` and the plugin's
``--replcheck-topology-embedded NAME`` (the one place of the engine's topology layer that
starts the reference server, as ``engine.runner`` does for a single cluster).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import SettingError

if TYPE_CHECKING:
    from replcheck.conformance.topology.targets import Targets
    from replcheck.reference_server.topology.definition import Topology as TopologyDef
    from replcheck.reference_server.topology.network import NetworkSettings

__all__ = ["embedded", "embedded_topology"]


@contextmanager
def embedded(name: str, settings: Settings) -> Iterator[Targets]:
    """The reference topology ``name`` (or topology file) served in this process on free
    loopback ports, each cluster with a fresh root token; its targets carry the roles of its
    links."""
    from replcheck.reference_server.topology.definition import TopologyError, load

    try:
        topology = load(name)
    except TopologyError as exc:
        raise SettingError(str(exc)) from None
    with embedded_topology(topology, settings) as targets:
        yield targets


@contextmanager
def embedded_topology(topology: TopologyDef, settings: Settings,
                      network: NetworkSettings | None = None) -> Iterator[Targets]:
    """``topology`` served in this process (``network``: its lag and merkle durations), each
    cluster with a fresh root token; the targets carry the roles of its links."""
    from replcheck.conformance.topology.targets import ClusterTarget, Targets
    from replcheck.reference_server.topology.runtime import TopologyServer

    topology = dataclasses.replace(topology, clusters=tuple(
        dataclasses.replace(c, root_token=f"hvs.{secrets.token_urlsafe(24)}")
        for c in topology.clusters))
    roles: dict[str, dict[str, str]] = {c.name: {} for c in topology.clusters}
    for link in topology.links:
        roles[link.primary][link.mode] = "primary"
        roles[link.secondary][link.mode] = "secondary"
    try:
        server = TopologyServer(topology, settings=network).start()
    except RuntimeError as exc:
        raise SettingError(
            f"the reference topology {topology.name} could not start: {exc}") from None
    try:
        base = settings.replace(url=None)
        yield Targets(
            tuple(
                ClusterTarget(c.name, base.replace(url=server.url(c.name), token=c.root_token),
                              f"$VAULT_TOKEN_{c.name.upper().replace('-', '_')}",
                              {mode: roles[c.name].get(mode, "disabled")
                               for mode in ("dr", "performance")})
                for c in topology.clusters),
            f"the embedded reference topology {topology.name}",
            # The first cluster is a root primary; its DR secondaries adopt its key shares.
            unseal_keys=server.core(topology.clusters[0].name).unseal_keys,
        )
    finally:
        server.stop()
