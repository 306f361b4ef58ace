"""The uvicorn settings shared by ``replcheck serve``, the embedded server and the benchmark."""

from __future__ import annotations

import ctypes
import ssl
from typing import Any

import uvicorn

from .app import VaultDispatcher
from .config import ServerConfig
from .http_connection import protocol_class

__all__ = ["asgi_entry", "return_large_buffers_to_the_os", "uvicorn_config"]

#: glibc's ``mallopt`` parameter number of ``M_MMAP_THRESHOLD``.
_M_MMAP_THRESHOLD = -3


def return_large_buffers_to_the_os() -> None:
    """Have glibc serve every allocation of 128 KiB or more with ``mmap``, for the whole process.

    glibc raises its mmap threshold each time such a block is freed; after that, socket reads of
    up to 256 KiB come from the heap, and the heap does not shrink, so RSS after a burst of large
    uploads stays at its peak (+1 MB per concurrent upload, kept). A fixed threshold turns the
    raising off and the memory goes back when the uploads end. For ``replcheck serve`` only, which
    owns its process; elsewhere (musl, macOS) there is nothing to do.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


def asgi_entry(app: Any) -> Any:
    """What uvicorn should call for ``app``: the dispatcher itself for ``create_app()``'s app.

    The reference server's Starlette app has no routes and the dispatcher as its router's
    default, which answers every target and catches every exception itself; Starlette's
    middleware and routing layers in front of it change nothing in the answers and cost a third
    of each request. Any other app (a wrapped one, a test's) is served as it is.
    """
    router = getattr(app, "router", None)
    if (
        router is not None
        and not router.routes
        and isinstance(router.default, VaultDispatcher)
        and not getattr(app, "user_middleware", None)
    ):
        return router.default
    return app


#: Vault's listener ``http_idle_timeout`` default (5 minutes), for idle keep-alive connections.
IDLE_TIMEOUT_SECONDS = 300


def _client_verification(config: ServerConfig) -> dict[str, Any]:
    """uvicorn's settings that make the handshake require a client certificate of the CA."""
    if config.tls_client_ca is None:
        return {}
    return {"ssl_ca_certs": config.tls_client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}


def uvicorn_config(
    app: Any, config: ServerConfig, *, log_level: str | None = None
) -> uvicorn.Config:
    """uvicorn settings for the reference server.

    * HTTP: ``replcheck.reference_server.http_connection`` (the zttp parser, which passes Vault's
      ``LIST`` and unknown methods to the app, plus Go's header-read timeout and quiet framing
      errors). httptools rejects methods it does not know before the app sees them, and h11 costs
      half the throughput.
    * uvicorn's access log is off: it prints request paths and query strings, which are client
      text. The server has its own access log (route templates only), off unless asked for.
    * idle keep-alive connections stay open for 5 minutes, Vault's ``http_idle_timeout``
      default; uvicorn's 5 s closes them under clients that pool connections, and a client that
      reuses one at the moment it closes gets a connection reset (seen on a loaded machine).
    * no proxy headers: like Vault (without ``x_forwarded_for_*`` listener settings) the server
      does not take the client address from ``X-Forwarded-For``, and the middleware that would
      costs time on every request.
    """
    return uvicorn.Config(
        asgi_entry(app),
        http=protocol_class(config.read_header_timeout, config.read_timeout),
        log_level=log_level or config.log_level,
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        server_header=False,
        date_header=True,
        ssl_certfile=config.tls_cert,
        ssl_keyfile=config.tls_key,
        **_client_verification(config),
        # No WebSocket: Vault's server ignores an Upgrade header and answers the request;
        # uvicorn would hand it to a WebSocket handshake (403, two log lines per request).
        ws="none",
        timeout_keep_alive=IDLE_TIMEOUT_SECONDS,
        timeout_graceful_shutdown=2,
    )
