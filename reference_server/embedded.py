"""Run the reference server in a background thread on a free loopback port.

>>> with EmbeddedServer() as server:
...     httpx.get(server.url + "/v1/sys/replication/status")

The conformance suite uses this as its default target; tests use it to talk over a real socket.
``wrap`` puts ASGI middleware in front of the server (a request counter, a deliberately broken
server of ``replcheck.reference_server.broken``): uvicorn serves ``wrap(app)``, while ``app`` stays
the reference server.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import ServerConfig
from .serving import uvicorn_config

__all__ = ["ASGIApp", "EmbeddedServer", "PromptlyStoppingServer"]

#: Any ASGI application: ``await app(scope, receive, send)``.
ASGIApp = Callable[[Any, Any, Any], Any]

#: How often a stopping server looks whether its connections have closed.
_SHUTDOWN_POLL_SECONDS = 0.005


class PromptlyStoppingServer(uvicorn.Server):
    """uvicorn's server for a background thread, which stops as soon as ``stop()`` is called.

    uvicorn notices ``should_exit`` on its next 0.1 s tick, then sleeps 0.1 s after asking its
    connections to close and polls them every 0.1 s: about 0.2 s idle per stop, paid by every
    embedded run and every test that starts a server (hundreds in the test suite). Here the
    tick waits on an event that ``stop()`` sets, and the shutdown polls every 5 ms; what it
    does is uvicorn's: stop accepting, ask each connection to close after its answer, wait for
    them (at most ``timeout_graceful_shutdown``), cancel what is left.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def stop(self) -> None:
        """Ask the server to stop (from any thread); ``run`` returns soon after."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        state = self.server_state
        for connection in list(state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 0)
        while (state.connections or state.tasks) and not self.force_exit \
                and loop.time() < deadline:
            await asyncio.sleep(_SHUTDOWN_POLL_SECONDS)
        for task in list(state.tasks):
            task.cancel(msg="the embedded server stopped")
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


class EmbeddedServer:
    """A context manager: start uvicorn on ``127.0.0.1`` (port 0), wait until ready, stop on exit.

    ``config.host`` and ``config.port`` are ignored: an embedded server always binds the loopback
    interface on a port the kernel picks, so parallel test runs never collide.

    ``wrap(app)``, when given, is what uvicorn serves; ``app`` is always the reference server's
    Starlette application (its state, e.g. ``root_token``, stays reachable).
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        wrap: Callable[[Starlette], ASGIApp] | None = None,
        startup_timeout: float = 10.0,
    ):
        base = config or ServerConfig()
        self.config = dataclasses.replace(base, host="127.0.0.1", port=0)
        self.app: Starlette = create_app(self.config)
        self.served: ASGIApp = self.app if wrap is None else wrap(self.app)
        self._startup_timeout = startup_timeout
        self._server: PromptlyStoppingServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    @property
    def root_token(self) -> str:
        token: str = self.app.state.vault.root_token
        return token

    @property
    def url(self) -> str:
        scheme = "https" if self.config.tls_cert else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.app.state.vault.listening_on(self.port)
        # Errors only: the suite sends malformed requests on purpose, and each would print the
        # server's "Invalid HTTP request received" warning into the run's output.
        server = PromptlyStoppingServer(
            uvicorn_config(self.served, self.config, log_level="error")
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="replcheck-embedded", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        # uvicorn sets ``started`` once it accepts connections.
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError("the embedded reference server did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._close_socket()
        self._server = self._thread = None

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
