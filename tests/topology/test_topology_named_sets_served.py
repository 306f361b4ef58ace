"""Each named topology, served by the topology runtime, is what its definition says: every
cluster answers on an address of its own, and every link of the definition is set up with the
definition's mode, ends and ``secondary_id`` (the secondary carries the id and its primary's
``cluster_id``, the primary lists exactly the ids of its links in ``known_secondaries``).

The runtime (``reference_server/topology/runtime.py``, ``TopologyServer``) comes with the
topology-server branch: in a checkout without it this module is not run, and says why.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from replcheck.reference_server.topology import runtime
from replcheck.reference_server.topology.definition import NAMED, Topology, load


def _sections(url: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/v1/sys/replication/status", timeout=10)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def _with_own_ids(topology: Topology) -> Topology:
    """The same set with ids that are not the secondaries' names, as a file may give them."""
    links = tuple(replace(link, secondary_id=f"id-{link.secondary.lower()}")
                  for link in topology.links)
    return replace(topology, name=f"{topology.name}-ids", links=links)


TOPOLOGIES = [load(name) for name in NAMED] + [_with_own_ids(load("six-cluster"))]


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=[t.name for t in TOPOLOGIES])
def test_each_topology_is_served_as_defined(topology: Topology) -> None:
    with runtime.TopologyServer(topology) as served:
        urls = {cluster.name: served.url(cluster.name) for cluster in topology.clusters}
        status = {cluster: _sections(url) for cluster, url in urls.items()}
    assert len(set(urls.values())) == len(topology.clusters)
    for link in topology.links:
        primary = status[link.primary][link.mode]
        secondary = status[link.secondary][link.mode]
        assert (primary["mode"], secondary["mode"]) == ("primary", "secondary"), link
        assert secondary["secondary_id"] == link.secondary_id, link
        assert secondary["cluster_id"] == primary["cluster_id"], link
    for cluster in topology.clusters:
        for mode in ("dr", "performance"):
            ids = sorted(link.secondary_id for link in topology.links
                         if link.primary == cluster.name and link.mode == mode)
            if ids:
                assert sorted(status[cluster.name][mode]["known_secondaries"]) == ids, (
                    cluster.name, mode)
