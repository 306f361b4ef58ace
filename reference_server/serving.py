"""The uvicorn settings shared by ``replcheck serve``, the embedded server and the benchmark."""

from __future__ import annotations

from typing import Any

import uvicorn

from .config import ServerConfig

__all__ = ["uvicorn_config"]


def uvicorn_config(
    app: Any, config: ServerConfig, *, log_level: str | None = None
) -> uvicorn.Config:
    """uvicorn settings for the reference server.

    * HTTP parser ``h11``: ``httptools`` (uvicorn's faster default) rejects methods it does not
      know, and Vault clients send ``LIST``; an unknown method must reach the app to be answered
      405 ``{"errors":[]}`` as Vault does.
    * uvicorn's access log is off: it prints request paths and query strings, which are client
      text. The server logs its own access lines with the route template only.
    """
    return uvicorn.Config(
        app,
        http="h11",
        log_level=log_level or config.log_level,
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=True,
        ssl_certfile=config.tls_cert,
        ssl_keyfile=config.tls_key,
        timeout_graceful_shutdown=2,
    )
