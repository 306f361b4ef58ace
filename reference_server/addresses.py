"""A cluster's two addresses, as Vault derives them when the config gives none.

``api_addr`` is where clients reach the active node (the listener's scheme, host and port);
``cluster_addr`` is where other nodes and clusters reach it for request forwarding and
replication: always ``https``, and by default on the API port plus one (``vault server -dev``
on 8200 reports ``https://127.0.0.1:8201``). Replication peers report both
(``secondaries[].api_address``, ``cluster_address``) and ``sys/leader`` answers them.
"""

from __future__ import annotations

from .config import ServerConfig

__all__ = ["api_address", "cluster_address"]


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def api_address(config: ServerConfig, port: int | None = None) -> str:
    """The config's ``api_addr``, else the listener's address (``port`` once it is bound)."""
    if config.api_addr:
        return config.api_addr
    scheme = "https" if config.tls_cert else "http"
    return f"{scheme}://{_host(config.host)}:{config.port if port is None else port}"


def cluster_address(config: ServerConfig, port: int | None = None) -> str:
    """The config's ``cluster_addr``, else ``https://host:<API port + 1>``."""
    if config.cluster_addr:
        return config.cluster_addr
    api_port = config.port if port is None else port
    return f"https://{_host(config.host)}:{api_port + 1 if api_port < 65535 else api_port - 1}"
