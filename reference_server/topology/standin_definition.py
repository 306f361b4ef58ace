"""Stand-in for the topology-files branch's ``definition`` module (the lead's interface), until
that branch is merged; removed then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

Mode = Literal["dr", "performance"]
FaultKind = Literal["partition", "stalled-stream", "merkle-loop", "stopped-heartbeats",
                    "clock-skew", "older-version"]


class TopologyError(Exception):
    """One printable sentence."""


@dataclass(frozen=True)
class ClusterDef:
    name: str
    port: int | None = None
    version: str | None = None
    root_token: str = "root"


@dataclass(frozen=True)
class LinkDef:
    mode: Mode
    primary: str
    secondary: str
    secondary_id: str


@dataclass(frozen=True)
class FaultDef:
    kind: FaultKind
    cluster: str
    mode: Mode | None = None
    value: str | None = None


@dataclass(frozen=True)
class Topology:
    name: str
    clusters: tuple[ClusterDef, ...]
    links: tuple[LinkDef, ...]
    faults: tuple[FaultDef, ...] = ()
    lag_seconds: float = 0.05


def _pair(name: str, mode: Mode) -> Topology:
    return Topology(name, (ClusterDef("primary"), ClusterDef("secondary")),
                    (LinkDef(mode, "primary", "secondary", "secondary"),))


_NAMED = {
    "dr-pair": _pair("dr-pair", "dr"),
    "perf-pair": _pair("perf-pair", "performance"),
    "six-cluster": Topology(
        "six-cluster",
        tuple(ClusterDef(n) for n in "ABCDEF"),
        (LinkDef("dr", "A", "B", "B"), LinkDef("performance", "A", "C", "C"),
         LinkDef("performance", "A", "E", "E"), LinkDef("dr", "C", "D", "D"),
         LinkDef("dr", "E", "F", "F")),
    ),
}
NAMED: tuple[str, ...] = tuple(_NAMED)


def load(name_or_path: str) -> Topology:
    try:
        return _NAMED[name_or_path]
    except KeyError:
        raise TopologyError(f"unknown topology {name_or_path!r}") from None


def parse_fault(text: str, topology: Topology) -> FaultDef:
    kind, _, rest = text.partition("@")
    target, _, value = rest.partition("=")
    cluster, _, mode = target.partition(":")
    if kind not in ("partition", "stalled-stream", "merkle-loop", "stopped-heartbeats",
                    "clock-skew", "older-version"):
        raise TopologyError(f"unknown fault kind {kind!r}")
    if cluster not in {c.name for c in topology.clusters}:
        raise TopologyError(f"unknown cluster {cluster!r}")
    return FaultDef(kind, cluster, mode or None, value or None)  # type: ignore[arg-type]


def with_faults(topology: Topology, faults: Sequence[FaultDef]) -> Topology:
    return replace(topology, faults=(*topology.faults, *faults))


def assign_ports(topology: Topology, base_port: int | None) -> dict[str, int]:
    return {c.name: (c.port if c.port is not None else (base_port + i if base_port else 0))
            for i, c in enumerate(topology.clusters)}
