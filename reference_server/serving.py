"""The uvicorn settings shared by ``replcheck serve``, the embedded server and the benchmark."""

from __future__ import annotations

from typing import Any

import uvicorn

from .config import ServerConfig
from .http_connection import protocol_class

__all__ = ["uvicorn_config"]


def uvicorn_config(
    app: Any, config: ServerConfig, *, log_level: str | None = None
) -> uvicorn.Config:
    """uvicorn settings for the reference server.

    * HTTP: ``reference_server.http_connection`` (the zttp parser, which passes Vault's ``LIST``
      and unknown methods to the app, plus Go's header-read timeout and quiet framing errors).
      httptools rejects methods it does not know before the app sees them, and h11 costs half
      the throughput.
    * uvicorn's access log is off: it prints request paths and query strings, which are client
      text. The server has its own access log (route templates only), off unless asked for.
    """
    return uvicorn.Config(
        app,
        http=protocol_class(config.read_header_timeout),
        log_level=log_level or config.log_level,
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=True,
        ssl_certfile=config.tls_cert,
        ssl_keyfile=config.tls_key,
        timeout_graceful_shutdown=2,
    )
