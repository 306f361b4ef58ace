"""``replcheck serve``: run the reference server like ``vault server -dev``.

Flags override the config file, which overrides the defaults. A bad flag or config value ends
the command with exit status 2 and one sentence on stderr, and so does a port that cannot be
bound (like every replcheck sub-command: 2 means "could not start as asked"). Ctrl-C ends it
with 130 and SIGTERM with 143 (128 + the signal number, as ``replcheck run``), after uvicorn's
graceful shutdown and with the log flushed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import logging
import logging.handlers
import queue
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SCENARIOS, SERVE_FLAGS, ConfigError, ServerConfig, load_config
from .core import VERSION, VaultCore
from .deprecated_flags import add_alias
from .embedded import ASGIApp
from .http_connection import VaultHttpProtocol
from .serving import return_large_buffers_to_the_os, uvicorn_config
from .states import STATES

__all__ = ["add_arguments", "serve"]

# Flag destination -> ServerConfig field.
_FLAG_FIELDS = {flag[2:].replace("-", "_"): key for key, flag in SERVE_FLAGS.items()}


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be an integer, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` options to ``parser`` (defaults come from ``ServerConfig``)."""
    defaults = ServerConfig()
    parser.add_argument("--host", help=f"address to listen on (default {defaults.host})")
    parser.add_argument("--port", type=_port,
                        help=f"port to listen on, 0 for any free port (default {defaults.port})")
    parser.add_argument("--config", metavar="FILE", help="YAML or JSON config file")
    parser.add_argument("--dev-root-token", metavar="TOKEN",
                        help="root token to use instead of a generated one")
    parser.add_argument("--tls-cert", metavar="FILE", help="PEM certificate; needs --tls-key")
    parser.add_argument("--tls-key", metavar="FILE", help="PEM private key; needs --tls-cert")
    parser.add_argument("--tls-client-ca", metavar="FILE",
                        help="require client certificates signed by a CA of this PEM file "
                             "(mutual TLS); needs --tls-cert")
    parser.add_argument("--state", choices=SCENARIOS, metavar="NAME",
                        help="the cluster's replication state to start in: "
                             f"{', '.join(SCENARIOS)} (default {defaults.scenario})")
    add_alias(parser, "--scenario", "state", replacement="--state", command="serve",
              choices=SCENARIOS, metavar="NAME")
    parser.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"),
                        help=f"log verbosity (default {defaults.log_level})")
    parser.add_argument("--read-header-timeout", type=_seconds, metavar="SECONDS",
                        help="close a connection whose request head takes longer, like Vault's "
                             "http_read_header_timeout; 0 for no limit "
                             f"(default {defaults.read_header_timeout:g})")
    parser.add_argument("--read-timeout", type=_seconds, metavar="SECONDS",
                        help="close a connection whose whole request, body included, takes "
                             "longer, like Vault's http_read_timeout; 0 for no limit "
                             f"(default {defaults.read_timeout:g})")
    parser.add_argument("--access-log", action="store_true", default=None,
                        help="log one line per request: method, route template, status, "
                             "duration (default off)")
    parser.add_argument("--topology", metavar="NAME|FILE",
                        help="serve several clusters linked by replication: a named topology "
                             "(dr-pair, perf-pair, six-cluster) or a YAML file; with --port P "
                             "the clusters listen on P, P+1, ...")
    parser.add_argument("--fault", action="append", metavar="KIND@CLUSTER[:MODE][=VALUE]",
                        help="with --topology: inject a fault (partition, stalled-stream, "
                             "merkle-loop, stopped-heartbeats, clock-skew, older-version); "
                             "repeatable")


def build_config(args: argparse.Namespace) -> ServerConfig:
    """The effective settings: defaults, then the config file, then the flags given."""
    base = load_config(args.config) if getattr(args, "config", None) else ServerConfig()
    overrides: dict[str, Any] = {}
    for flag, field_name in _FLAG_FIELDS.items():
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field_name] = value
    return dataclasses.replace(base, **overrides)


def _check_tls(config: ServerConfig) -> None:
    if config.tls_cert is None or config.tls_key is None:
        return
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise ConfigError(
            f"cannot load TLS certificate {config.tls_cert!r} with key {config.tls_key!r}: "
            f"{reason}"
        ) from None
    if config.tls_client_ca is not None:
        try:
            context.load_verify_locations(cafile=config.tls_client_ca)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
            raise ConfigError(
                f"cannot load the client CA file {config.tls_client_ca!r}: {reason}"
            ) from None


def _bind(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _banner(config: ServerConfig, address: str, core: VaultCore, headline: str | None) -> str:
    """What ``vault server -dev`` prints: the addresses, then the unseal key and root token.

    The unseal key shares are printed here and nowhere else (never logged), as Vault does: one
    share is ``Unseal Key:``, several are ``Unseal Key 1:`` ... as ``vault operator init``."""
    first = headline or "==> replcheck reference server started! Log data will stream in below:"
    keys = core.unseal_keys
    if len(keys) == 1:
        key_lines = f"Unseal Key: {keys[0]}\n"
    else:
        key_lines = "".join(f"Unseal Key {i}: {key}\n" for i, key in enumerate(keys, 1))
    return (
        f"{first}\n\n"
        f"             Api Address: {address}\n"
        f"         Cluster Address: {core.cluster_address}\n"
        f"                   State: {config.scenario}\n"
        f"                 Version: Vault {_version(config)} (emulated)\n\n"
        "WARNING! This is a development server that keeps everything in memory.\n\n"
        "You may need to set the following environment variables:\n\n"
        f"    $ export VAULT_ADDR='{address}'\n\n"
        "The unseal key and root token are displayed below; send the root token as\n"
        "X-Vault-Token. The unseal key shares generate DR operation tokens.\n\n"
        f"{key_lines}"
        f"Root Token: {core.root_token}\n"
    )


def _version(config: ServerConfig) -> str:
    return VERSION if STATES[config.scenario].community else VERSION + "+ent"


def serve(
    args: argparse.Namespace,
    *,
    wrap: Callable[[Starlette], ASGIApp] | None = None,
    headline: str | None = None,
) -> int:
    """Run until interrupted; returns the process exit status.

    ``wrap(app)``, when given, is what is served in front of the reference app (a deliberately
    broken server, ``replcheck serve --break``), and ``headline`` replaces the banner's first
    line (which says what started)."""
    if getattr(args, "topology", None) is not None:
        from .topology.cli import serve_topology

        return serve_topology(args)
    if getattr(args, "fault", None):
        print("replcheck serve: --fault needs --topology", file=sys.stderr)
        return 2
    try:
        config = build_config(args)
        _check_tls(config)
    except ConfigError as exc:
        print(f"replcheck serve: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _bind(config.host, config.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"replcheck serve: cannot listen on {config.host}:{config.port}: {reason}",
              file=sys.stderr)
        return 2
    listener = _configure_logging(config)
    return_large_buffers_to_the_os()
    app = create_app(config)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    scheme = "https" if config.tls_cert else "http"
    core: VaultCore = app.state.vault
    core.listening_on(port)
    print(_banner(config, f"{scheme}://{shown_host}:{port}", core, headline), flush=True)
    settings = uvicorn_config(app if wrap is None else wrap(app), config)
    server = uvicorn.Server(settings)
    # Objects alive now (modules, the spec, the app) live as long as the process: keep them out
    # of the collector's full passes, which otherwise scan them all, on the event loop.
    gc.collect()
    gc.freeze()
    try:
        with _terminating_as_exception():
            server.run(sockets=[sock])
    except _Terminated:
        print("replcheck: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        sock.close()
        if isinstance(settings.http, type) and issubclass(settings.http, VaultHttpProtocol):
            settings.http.malformed_requests.flush()  # the count since the last warning
        listener.stop()
    return 0


class _Terminated(Exception):
    """SIGTERM arrived; raised once uvicorn has shut down gracefully."""


@contextlib.contextmanager
def _terminating_as_exception() -> Iterator[None]:
    """uvicorn catches SIGTERM, shuts down, restores the handler it found and raises the signal
    again. With the default handler found, the process would die there, before the log queue is
    flushed and with no exit status of ours; this handler turns that last SIGTERM into
    ``_Terminated`` (Ctrl-C already arrives as ``KeyboardInterrupt``, which the CLI makes 130).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _RecordQueueHandler(logging.handlers.QueueHandler):
    """Queues the record itself: the writer thread formats it, not the event loop.

    The stock handler formats every record before queueing it, so that it can cross a process
    boundary; this queue stays in the process, and the server's log arguments are plain strings
    and numbers, so formatting can wait for the writer thread.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def _configure_logging(config: ServerConfig) -> logging.handlers.QueueListener:
    """The server's log lines go through a queue to a thread that formats and writes them.

    Handlers run on the event loop; a queue keeps formatting and writing off it, so logging,
    the access log included, slows the answers down less. The access log is off unless
    ``access_log`` is set.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, handler)
    logger = logging.getLogger("replcheck.reference_server")
    logger.handlers[:] = [_RecordQueueHandler(records)]
    logger.setLevel(config.log_level.upper())
    logger.propagate = False
    access = logging.getLogger("replcheck.reference_server.access")
    access.setLevel(logging.INFO if config.access_log else logging.WARNING)
    listener.start()
    return listener
