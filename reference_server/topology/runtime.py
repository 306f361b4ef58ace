"""Serve a topology: every cluster on its own port, in one process and one event loop.

Each cluster is today's app (``create_app``) with its own ``VaultCore``; their nodes share one
``Network``. Once every listener accepts connections, the runtime sets the topology up through
the documented API, as an operator would: for each link in the topology's order,
``{mode}/primary/enable`` on the primary (once per primary and mode), ``primary/secondary-token``
with the link's id, and ``{mode}/secondary/enable`` with that token on the secondary, each an
HTTP request with the cluster's root token. ``link=False`` leaves the clusters unlinked, for a
client to set them up itself.

``TopologyServer`` runs the loop in a background thread (tests, benchmarks);
``replcheck serve --topology`` runs it in the main thread (``topology.cli``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from ..app import create_app
from ..config import ServerConfig
from ..core import VERSION, VaultCore
from ..embedded import PromptlyStoppingServer
from ..serving import uvicorn_config
from .definition import ClusterDef, FaultDef, Topology, assign_ports
from .network import Network, NetworkSettings
from .node import ClusterNode

__all__ = ["RunningCluster", "SetupError", "TopologyRuntime", "TopologyServer", "Wrap",
           "run_loop"]

#: Builds what a cluster's listener serves in front of its app (an ASGI app: a broken set's
#: rewrite of that cluster's answers, ``replcheck.reference_server.broken.topology``).
Wrap = Callable[[Starlette], Any]


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on the event loop uvicorn would pick (uvloop when installed), as the single
    cluster's ``replcheck serve`` does: the plain asyncio loop costs a third more per request."""
    factory = uvicorn.Config(app="unused:app").get_loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


class SetupError(Exception):
    """The set-up through the API failed (one sentence: which request, what it answered)."""


class _ClusterServer(PromptlyStoppingServer):
    """One cluster's uvicorn server; the runtime, not each server, handles the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class RunningCluster:
    """One cluster of a running topology."""

    definition: ClusterDef
    app: Starlette
    socket: socket.socket
    server: _ClusterServer | None = None
    #: What is served in front of ``app`` (a broken replication set's rewrite), or None.
    wrap: Wrap | None = None

    @property
    def served(self) -> Any:
        """The app its listener serves: ``app``, behind ``wrap`` when there is one."""
        return self.app if self.wrap is None else self.wrap(self.app)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def core(self) -> VaultCore:
        core: VaultCore = self.app.state.vault
        return core

    @property
    def url(self) -> str:
        return self.core.api_address

    @property
    def root_token(self) -> str:
        return self.core.root_token


def _version(text: str) -> str:
    return text if "+" in text else text + "+ent"


def _cluster_port(api_port: int) -> int:
    """A cluster address port away from the API ports of the other clusters (P, P+1, ...)."""
    return api_port + 1000 if api_port + 1000 <= 65535 else api_port - 1000


class TopologyRuntime:
    """The clusters of ``topology``, bound to their ports and ready to serve."""

    def __init__(
        self,
        topology: Topology,
        *,
        base_port: int | None = None,
        host: str = "127.0.0.1",
        link: bool = True,
        clock: Callable[[], float] | None = None,
        settings: NetworkSettings | None = None,
        log_level: str = "error",
        wraps: Mapping[str, Wrap] | None = None,
    ) -> None:
        """``wraps`` maps a cluster's name to what is served in front of its app (the
        deliberately broken sets of ``replcheck.reference_server.broken.topology``)."""
        self.topology = topology
        self.link = link
        self.log_level = log_level
        self.network: Network[ClusterNode] = Network(
            settings or NetworkSettings(lag_seconds=topology.lag_seconds)
        )
        ports = assign_ports(topology, base_port)
        self.clusters: dict[str, RunningCluster] = {}
        try:
            for definition in topology.clusters:
                sock = _bind(host, ports[definition.name])
                self.clusters[definition.name] = self._cluster(definition, host, sock, clock)
                self.clusters[definition.name].wrap = (wraps or {}).get(definition.name)
        except BaseException:
            self.close()
            raise
        for fault in topology.faults:
            self.inject(fault)

    def _cluster(self, definition: ClusterDef, host: str, sock: socket.socket,
                 clock: Callable[[], float] | None) -> RunningCluster:
        port = sock.getsockname()[1]
        config = ServerConfig(
            host=host, port=port, root_token=definition.root_token, scenario="disabled",
            cluster_name=f"vault-cluster-{definition.name}",
            cluster_addr=f"https://{host}:{_cluster_port(port)}",
            reindex_stage_seconds=0.01,
        )
        app = create_app(config, clock=clock)
        core: VaultCore = app.state.vault
        core.listening_on(port)
        core.node.name = definition.name
        if definition.version is not None:
            core.reported_version = _version(definition.version)
        core.node.join(self.network)
        return RunningCluster(definition, app, sock)

    def inject(self, fault: FaultDef) -> None:
        """Apply a fault of the topology's kinds (``faults`` says what each does)."""
        if fault.kind == "older-version":
            self.clusters[fault.cluster].core.reported_version = _version(
                fault.value or _older(VERSION)
            )
            return
        self.network.add_fault(fault.kind, fault.cluster, fault.mode, fault.value)

    def __getitem__(self, name: str) -> RunningCluster:
        return self.clusters[name]

    # --- serving -------------------------------------------------------------------------------

    async def serve(self, ready: Callable[[], Awaitable[None] | None] | None = None) -> None:
        """Serve every cluster until ``stop``; ``ready`` runs once all listen (and are linked)."""
        tasks = []
        for cluster in self.clusters.values():
            cluster.server = _ClusterServer(
                uvicorn_config(cluster.served, cluster.core.config, log_level=self.log_level)
            )
            tasks.append(asyncio.ensure_future(cluster.server.serve(sockets=[cluster.socket])))
        try:
            while not all(c.server is not None and c.server.started
                          for c in self.clusters.values()):
                if any(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.002)
            else:
                if self.link:
                    await self.set_up()
                if ready is not None:
                    outcome = ready()
                    if outcome is not None:
                        await outcome
            await asyncio.gather(*tasks)
        finally:
            self.stop()
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        for cluster in self.clusters.values():
            if cluster.server is not None:
                cluster.server.stop()

    def close(self) -> None:
        for cluster in self.clusters.values():
            cluster.socket.close()

    async def set_up(self) -> None:
        """Link the clusters through the API, in the topology's link order."""
        enabled: set[tuple[str, str]] = set()
        async with httpx.AsyncClient(timeout=10.0) as client:
            for link in self.topology.links:
                primary, secondary = self.clusters[link.primary], self.clusters[link.secondary]
                base = f"sys/replication/{link.mode}"
                if (link.primary, link.mode) not in enabled:
                    await _post(client, primary, f"{base}/primary/enable", {})
                    enabled.add((link.primary, link.mode))
                answer = await _post(client, primary, f"{base}/primary/secondary-token",
                                     {"id": link.secondary_id})
                token = answer["wrap_info"]["token"]
                await _post(client, secondary, f"{base}/secondary/enable", {"token": token})


def _older(version: str) -> str:
    major, minor, *_ = (int(p) for p in version.split("+")[0].split("."))
    return f"{major}.{max(0, minor - 2)}.0"


async def _post(client: httpx.AsyncClient, cluster: RunningCluster, path: str,
                body: dict[str, str]) -> dict[str, Any]:
    response = await client.post(f"{cluster.url}/v1/{path}", json=body,
                                 headers={"X-Vault-Token": cluster.root_token})
    if response.status_code >= 400:
        raise SetupError(
            f"setting the topology up failed: POST {path} on cluster {cluster.name} answered "
            f"{response.status_code} {response.text.strip()}"
        )
    if response.status_code == 204:
        return {}
    answer: dict[str, Any] = response.json()
    return answer


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class TopologyServer:
    """A context manager: a topology served in a background thread on free loopback ports.

    >>> with TopologyServer(load("dr-pair")) as running:
    ...     httpx.get(running.url("primary") + "/v1/sys/replication/status")

    ``link=False`` starts the clusters unlinked (a client sets them up); ``clock`` replaces
    ``time.time`` for every cluster; ``settings`` sets the lag and the merkle durations.
    """

    def __init__(self, topology: Topology, *, link: bool = True,
                 clock: Callable[[], float] | None = None,
                 settings: NetworkSettings | None = None, startup_timeout: float = 10.0,
                 wraps: Mapping[str, Wrap] | None = None) -> None:
        self.runtime = TopologyRuntime(topology, link=link, clock=clock, settings=settings,
                                       wraps=wraps)
        self._timeout = startup_timeout
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def network(self) -> Network[ClusterNode]:
        return self.runtime.network

    def url(self, name: str) -> str:
        return self.runtime[name].url

    def core(self, name: str) -> VaultCore:
        return self.runtime[name].core

    def start(self) -> TopologyServer:
        def ready() -> None:
            self._ready.set()

        def run() -> None:
            try:
                run_loop(self.runtime.serve(ready))
            except BaseException as exc:  # reported to the starting thread
                self._error = exc
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=run, name="replcheck-topology", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._ready.wait(0.01):
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the topology did not start")
        if self._error is not None or not self._thread.is_alive():
            self.stop()
            raise RuntimeError(f"the topology did not start: {self._error}")
        return self

    def stop(self) -> None:
        self.runtime.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.runtime.close()

    def __enter__(self) -> TopologyServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
