"""Serve any ASGI app on 127.0.0.1 and a free port, in a thread, for the length of a test.

The app is served as given (uvicorn, h11 parser): a deliberately broken or hostile app, a proxy
in front of another server. The reference server itself is served by ``EmbeddedServer``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["serve_asgi"]


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 and a free port in a thread; yields its URL."""
    import uvicorn

    from replcheck.reference_server.embedded import PromptlyStoppingServer

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http="h11", log_level="error", lifespan="off", access_log=False)
    server = PromptlyStoppingServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.stop()
        thread.join(timeout=10)
        sock.close()
