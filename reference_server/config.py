"""Server settings: one dataclass, loadable from a YAML or JSON file.

Every setting has one name, used both as the dataclass field and as the config-file key.
Errors name the offending key and value, so a typo in a file reads as a sentence, not a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from .section_config import PeerConfig, SectionConfig
from .states import DEFAULT_STATE, STATES
from .status_values import (
    CONNECTION_STATES,
    CONNECTION_STATUSES,
    MODELLED_MODES,
    PRIMARY,
    RUNNING,
    SECONDARY_STATES,
    SECTIONS,
)

__all__ = [
    "MAX_REQUEST_BYTES",
    "SCENARIOS",
    "ConfigError",
    "PeerConfig",
    "SectionConfig",
    "ServerConfig",
    "load_config",
]

#: Vault's default ``max_request_size`` (32 MiB).
MAX_REQUEST_BYTES = 32 * 1024 * 1024

#: The names of the replication states a server can start in, in the order of the one table
#: that defines them (``replcheck.reference_server.states.STATES``).
SCENARIOS = tuple(STATES)

class ConfigError(ValueError):
    """A setting has a bad name or value; the message names both."""


@dataclass
class ServerConfig:
    """Everything ``replcheck serve`` and the embedded server need to start."""

    host: str = "127.0.0.1"
    port: int = 8200
    #: The dev-mode root token; generated at start-up when ``None`` (like ``vault server -dev``).
    root_token: str | None = None
    scenario: str = DEFAULT_STATE
    tls_cert: str | None = None
    tls_key: str | None = None
    #: PEM file of the CAs whose client certificates the server requires (mutual TLS, like a
    #: Vault listener's ``tls_require_and_verify_client_cert`` with ``tls_client_ca_file``).
    tls_client_ca: str | None = None
    cluster_name: str = "vault-cluster-replcheck"
    #: Topology overrides: a section given here replaces the scenario's section of that name.
    dr: SectionConfig | None = None
    performance: SectionConfig | None = None
    #: Duration of one reindex stage unit; a default reindex takes five units (0.15 s).
    reindex_stage_seconds: float = 0.03
    #: Connected peers exchange a heartbeat this often; ``last_heartbeat`` moves in these steps.
    heartbeat_interval_seconds: float = 2.0
    max_request_bytes: int = MAX_REQUEST_BYTES
    #: Seconds a request head may take to arrive before the connection is closed (Vault's
    #: ``http_read_header_timeout``); 0 turns the limit off.
    read_header_timeout: float = 10.0
    #: Seconds the whole request, body included, may take from its first byte before the
    #: connection is closed (Vault's ``http_read_timeout``); 0 turns the limit off.
    read_timeout: float = 30.0
    log_level: str = "info"
    #: One log line per request (method, route template, status, duration) at info level.
    access_log: bool = False
    #: The cluster's API and cluster addresses (Vault's ``api_addr`` / ``cluster_addr``);
    #: derived from the listener when not set (``addresses``).
    api_addr: str | None = None
    cluster_addr: str | None = None
    #: How many unseal key shares the cluster makes at start, and how many unlock it (Vault's
    #: ``secret_shares`` / ``secret_threshold``); one and one, as ``vault server -dev``.
    key_shares: int = 1
    key_threshold: int = 1

    def __post_init__(self) -> None:
        _validate(self)


#: The ``replcheck serve`` flag of each setting that has one: messages name both, since a value
#: comes from the flag or from the config file's key.
SERVE_FLAGS = {
    "host": "--host",
    "port": "--port",
    "root_token": "--dev-root-token",
    "tls_cert": "--tls-cert",
    "tls_key": "--tls-key",
    "tls_client_ca": "--tls-client-ca",
    "scenario": "--state",
    "log_level": "--log-level",
    "read_header_timeout": "--read-header-timeout",
    "read_timeout": "--read-timeout",
    "access_log": "--access-log",
}


def _named(key: str) -> str:
    """A setting as a message names it: its flag and config key, or the key alone."""
    flag = SERVE_FLAGS.get(key)
    return f"{flag} (config key {key!r})" if flag else f"setting {key!r}"


def _fail(key: str, value: Any, expected: str) -> ConfigError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    flag = SERVE_FLAGS.get(key)
    hint = f" (flag {flag} of replcheck serve)" if flag else ""
    return ConfigError(f"setting {key!r}{hint} must be {expected}, got {shown}")


def _validate(config: ServerConfig) -> None:
    if not isinstance(config.host, str) or not config.host:
        raise _fail("host", config.host, "a host name or IP address")
    if isinstance(config.port, bool) or not isinstance(config.port, int):
        raise _fail("port", config.port, "an integer between 0 and 65535")
    if not 0 <= config.port <= 65535:
        raise _fail("port", config.port, "an integer between 0 and 65535")
    if config.root_token is not None and (
        not isinstance(config.root_token, str) or not config.root_token.strip()
    ):
        raise _fail("root_token", config.root_token, "a non-empty string")
    if config.scenario not in SCENARIOS:
        raise _fail("scenario", config.scenario, "one of " + ", ".join(SCENARIOS))
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError(
            f"{SERVE_FLAGS['tls_cert']} and {SERVE_FLAGS['tls_key']} (config keys 'tls_cert' "
            "and 'tls_key') must be given together"
        )
    if config.tls_client_ca is not None and config.tls_cert is None:
        raise ConfigError(
            f"{_named('tls_client_ca')} needs {SERVE_FLAGS['tls_cert']} and "
            f"{SERVE_FLAGS['tls_key']} (config keys 'tls_cert' and 'tls_key')"
        )
    for key in ("reindex_stage_seconds", "heartbeat_interval_seconds"):
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _fail(key, value, "a number of seconds >= 0")
    if config.heartbeat_interval_seconds == 0:
        raise _fail("heartbeat_interval_seconds", 0, "a number of seconds > 0")
    if isinstance(config.max_request_bytes, bool) or not isinstance(config.max_request_bytes, int):
        raise _fail("max_request_bytes", config.max_request_bytes, "a positive integer")
    if config.max_request_bytes <= 0:
        raise _fail("max_request_bytes", config.max_request_bytes, "a positive integer")
    for key in ("read_header_timeout", "read_timeout"):
        timeout = getattr(config, key)
        if (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                or not 0 <= timeout < float("inf")):
            raise _fail(key, timeout, "a number of seconds >= 0")
    if not isinstance(config.access_log, bool):
        raise _fail("access_log", config.access_log, "true or false")
    for key in ("api_addr", "cluster_addr"):
        address = getattr(config, key)
        if address is not None and (
            not isinstance(address, str) or not address.startswith(("http://", "https://"))
        ):
            raise _fail(key, address, "an http:// or https:// address")
    _validate_key_shares(config.key_shares, config.key_threshold)
    if config.log_level not in ("critical", "error", "warning", "info", "debug"):
        raise _fail("log_level", config.log_level, "one of critical, error, warning, info, debug")
    for name in SECTIONS:
        section = getattr(config, name)
        if section is not None:
            _validate_section(name, section)


def _validate_key_shares(shares: Any, threshold: Any) -> None:
    """Vault's ``SealConfig.Validate`` rules for the shares and the threshold."""
    for key, value in (("key_shares", shares), ("key_threshold", threshold)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 255:
            raise _fail(key, value, "an integer between 1 and 255")
    if threshold > shares:
        raise _fail("key_threshold", threshold, f"at most key_shares ({shares})")
    if shares > 1 and threshold == 1:
        raise _fail("key_threshold", threshold, "greater than one for multiple shares")


def _validate_section(name: str, section: SectionConfig) -> None:
    if section.mode not in MODELLED_MODES:
        raise _fail(f"{name}.mode", section.mode, "one of " + ", ".join(MODELLED_MODES))
    if section.state not in (*SECONDARY_STATES, RUNNING):
        raise _fail(f"{name}.state", section.state, "one of " + ", ".join(SECONDARY_STATES))
    if section.connection_state not in CONNECTION_STATES:
        raise _fail(
            f"{name}.connection_state",
            section.connection_state,
            "one of " + ", ".join(CONNECTION_STATES),
        )
    if isinstance(section.last_wal, bool) or not isinstance(section.last_wal, int):
        raise _fail(f"{name}.last_wal", section.last_wal, "an integer >= 0")
    if section.last_wal < 0:
        raise _fail(f"{name}.last_wal", section.last_wal, "an integer >= 0")
    node_ids: set[str] = set()
    for index, peer in enumerate(section.peers):
        where = f"{name}.peers[{index}]"
        if peer.connection_status not in CONNECTION_STATUSES:
            raise _fail(f"{where}.connection_status", peer.connection_status,
                        "one of " + ", ".join(CONNECTION_STATUSES))
        if section.mode == PRIMARY:
            if not peer.node_id:
                raise _fail(f"{where}.node_id", peer.node_id, "a non-empty string on a primary")
            if peer.node_id in node_ids:
                raise _fail(f"{where}.node_id", peer.node_id, "unique within the section")
            node_ids.add(peer.node_id)


# --- loading ---------------------------------------------------------------------------------

def _build(cls: type, raw: Any, where: str) -> Any:
    """Build dataclass ``cls`` from a mapping, naming unknown keys and wrong shapes."""
    if not isinstance(raw, dict):
        raise _fail(where or "config", raw, "a mapping")
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in known:
            raise ConfigError(
                f"unknown setting {path!r}; known settings: {', '.join(sorted(known))}"
            )
        if key in SECTIONS and value is not None:
            value = _build(SectionConfig, value, path)
        elif key == "peers":
            if not isinstance(value, list):
                raise _fail(path, value, "a list of peers")
            value = [_build(PeerConfig, item, f"{path}[{i}]") for i, item in enumerate(value)]
        elif key == "known_primary_cluster_addrs" and value is not None:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(path, value, "a list of addresses")
        elif isinstance(value, dict | list):
            raise _fail(path, value, "a single value")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field of a peer is missing
        missing = [f.name for f in fields(cls) if f.name not in kwargs]
        raise ConfigError(
            f"{where or 'config'} is missing a required setting ({', '.join(missing)})"
        ) from exc


def load_config(path: str | Path) -> ServerConfig:
    """Read a YAML or JSON config file; ``ConfigError`` (a ``ValueError``) names what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read config file {str(path)!r}: {reason}") from exc
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"config file {str(path)!r} is not valid YAML/JSON: {first_line}"
        ) from exc
    if raw is None:
        raw = {}
    try:
        config: ServerConfig = _build(ServerConfig, raw, "")
    except ConfigError as exc:
        raise ConfigError(f"config file {str(path)!r}: {exc}") from exc
    return config
