"""A TCP proxy on 127.0.0.1 that makes a target slow: every answer arrives ``delay_s`` late.

Bytes from the client go to the target at once; every chunk the target sends back is held
``delay_s`` after it arrived, order kept. Each request then costs one extra ``delay_s``, as a
target across a network does, while any number of connections wait side by side (the point of
``--concurrency``). It speaks no HTTP, so it passes every method (``LIST``), every malformed
request and every broken answer of a zoo server as they are. Used by the concurrency tests and
``benchmarks/bench_concurrency.py``.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from urllib.parse import urlsplit

_CHUNK = 64 * 1024


class DelayProxy:
    """``with DelayProxy(url, 0.05) as proxy:`` then point the client at ``proxy.url``."""

    def __init__(self, upstream_url: str, delay_s: float) -> None:
        parts = urlsplit(upstream_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self.delay_s = delay_s
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self.url = ""

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        port = started.result(timeout=10)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            target_in, target_out = await asyncio.open_connection(self._host, self._port)
        except OSError:
            client_out.close()
            return
        upward = asyncio.create_task(self._forward(client_in, target_out))
        try:
            await self._delayed(target_in, client_out)
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            upward.cancel()
            for writer in (client_out, target_out):
                writer.close()

    @staticmethod
    async def _forward(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(_CHUNK):
                sink.write(data)
                await sink.drain()
            if sink.can_write_eof():
                sink.write_eof()
        except (OSError, ConnectionError):
            pass

    async def _delayed(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Pass the target's bytes on, each chunk ``delay_s`` after it arrived."""
        loop = asyncio.get_running_loop()
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            try:
                while data := await source.read(_CHUNK):
                    held.put_nowait((loop.time() + self.delay_s, data))
            except (OSError, ConnectionError):
                pass
            held.put_nowait((loop.time() + self.delay_s, b""))

        reading = asyncio.create_task(read())
        try:
            while True:
                due, data = await held.get()
                await asyncio.sleep(max(due - loop.time(), 0))
                if not data:
                    return
                sink.write(data)
                await sink.drain()
        except (OSError, ConnectionError):
            return
        finally:
            reading.cancel()
