"""``replcheck serve --topology NAME|FILE [--port P] [--fault KIND@CLUSTER[:MODE][=VALUE]]
[--break BROKEN]``.

Starts every cluster of the topology (ports by ``assign_ports``: P, P+1, ... in the topology's
order, a file's fixed port wins, none or 0: free ports), sets the links up through the API as
an operator would, prints a banner like ``vault server -dev``'s for each cluster (name, roles,
API and cluster addresses, root token, unseal key), and serves until Ctrl-C (exit 130) or
SIGTERM (143). A bad topology, fault or flag is one sentence on stderr and exit 2.

With ``--break BROKEN`` (a name of ``replcheck.reference_server.broken.topology``, ``list`` for
all) it serves that deliberately broken replication set instead: the named topology it deviates
from (``--topology`` must name it), with its one deviation. Without ``--topology``, ``--break``
keeps meaning one broken single cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
from typing import TYPE_CHECKING

from ..serving import return_large_buffers_to_the_os
from .definition import Topology, TopologyError, load, parse_fault, with_faults
from .runtime import SetupError, TopologyRuntime, run_loop

if TYPE_CHECKING:
    from ..broken.topology import BrokenSet

__all__ = ["banner", "serve_topology"]

#: ``serve`` flags that set up one cluster and mean nothing for a topology.
_SINGLE_CLUSTER_FLAGS = {
    "state": "--state", "config": "--config", "dev_root_token": "--dev-root-token",
    "tls_cert": "--tls-cert", "tls_key": "--tls-key", "tls_client_ca": "--tls-client-ca",
}


def roles(topology: Topology, name: str) -> list[str]:
    said = []
    for link in topology.links:
        if link.primary == name:
            said.append(f"{link.mode} primary of {link.secondary}")
        if link.secondary == name:
            said.append(f"{link.mode} secondary of {link.primary} (id {link.secondary_id!r})")
    return said or ["standalone"]


def banner(runtime: TopologyRuntime) -> str:
    topology = runtime.topology
    lines = [f"==> replcheck topology {topology.name!r} started: {len(runtime.clusters)} "
             "clusters in one process. Log data will stream in below:", ""]
    for cluster in runtime.clusters.values():
        core = cluster.core
        shown_roles = roles(topology, cluster.name) if runtime.link else ["unlinked"]
        lines += [
            f"    Cluster {cluster.name}: {'; '.join(shown_roles)}",
            f"             Api Address: {core.api_address}",
            f"         Cluster Address: {core.cluster_address}",
            f"                 Version: Vault {core.version} (emulated)",
            f"              Root Token: {core.root_token}",
            *(f"              Unseal Key: {key}" for key in core.unseal_keys),
            "",
        ]
    first = next(iter(runtime.clusters.values()))
    lines += [
        "WARNING! These are development servers that keep everything in memory.",
        "",
        f"    $ export VAULT_ADDR='{first.url}'",
        "",
    ]
    if topology.faults:
        lines.insert(1, "    Faults: " + ", ".join(
            f"{f.kind}@{f.cluster}" + (f":{f.mode}" if f.mode else "")
            + (f"={f.value}" if f.value else "") for f in topology.faults))
    return "\n".join(lines)


def _broken_set(args: argparse.Namespace) -> BrokenSet | int | None:
    """The broken set ``--break`` names, None without the flag, or the exit status."""
    from ..broken.topology import BROKEN_SETS, UnknownBrokenSet, find_set

    name = getattr(args, "broken", None)
    if name is None:
        return None
    if name == "list":
        width = max(len(entry.name) for entry in BROKEN_SETS)
        print(f"{'NAME':<{width}}  {'TOPOLOGY':<10}  WHAT IS BROKEN")
        for entry in BROKEN_SETS:
            print(f"{entry.name:<{width}}  {entry.base:<10}  {entry.description}")
        return 0
    try:
        entry = find_set(name)
    except UnknownBrokenSet as exc:
        print(f"replcheck serve: {exc}", file=sys.stderr)
        return 2
    if args.topology != entry.base:
        print(f"replcheck serve: the broken set {entry.name!r} is the topology {entry.base!r} "
              f"with one deviation; give --topology {entry.base} --break {entry.name}",
              file=sys.stderr)
        return 2
    return entry


def serve_topology(args: argparse.Namespace) -> int:
    broken = _broken_set(args)
    if isinstance(broken, int):
        return broken
    given = [flag for key, flag in _SINGLE_CLUSTER_FLAGS.items()
             if getattr(args, key, None) is not None]
    if given:
        print(f"replcheck serve: {given[0]} sets up one cluster and cannot be used with "
              "--topology", file=sys.stderr)
        return 2
    try:
        topology = load(args.topology) if broken is None else broken.topology()
        faults = [parse_fault(text, topology) for text in args.fault or ()]
        topology = with_faults(topology, faults)
        runtime = TopologyRuntime(topology, base_port=args.port, host=args.host or "127.0.0.1",
                                  log_level=args.log_level or "warning",
                                  settings=None if broken is None else broken.network,
                                  wraps=None if broken is None else broken.wraps())
    except TopologyError as exc:
        print(f"replcheck serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"replcheck serve: cannot listen on the topology's ports: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    received: list[int] = []
    return_large_buffers_to_the_os()

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def stop(signum: int) -> None:
            received.append(signum)
            runtime.stop()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop, signum)

        def ready() -> None:
            if broken is not None:
                print(f"*** DELIBERATELY BROKEN REPLICATION SET (--topology {broken.base} "
                      f"--break {broken.name}): {broken.description} ***", flush=True)
            print(banner(runtime), flush=True)
            # As the single cluster's serve: what is alive now lives as long as the process;
            # keep it out of the collector's full passes.
            gc.collect()
            gc.freeze()

        await runtime.serve(ready)

    try:
        run_loop(main())
    except SetupError as exc:
        print(f"replcheck serve: {exc}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    if received:
        return 128 + received[0]
    return 0
