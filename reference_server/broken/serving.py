"""Serving a broken server on a free loopback port, and probing it directly with httpx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from ..config import ServerConfig
from ..core import VaultCore
from ..embedded import EmbeddedServer
from .asgi import ASGIApp

#: Wraps the reference server's app into a broken one.
Factory = Callable[[Starlette], ASGIApp]

UPDATE_POLICY = 'path "sys/replication/*" {\n  capabilities = ["update"]\n}\n'
READ_POLICY = 'path "sys/replication/*" {\n  capabilities = ["read"]\n}\n'


class ZooServer(EmbeddedServer):
    """The embedded reference server, serving ``factory(app)`` in front of ``app``; the
    reference server's state stays reachable as ``core``."""

    def __init__(self, config: ServerConfig, factory: Factory | None = None) -> None:
        super().__init__(config, wrap=factory)
        self.core: VaultCore = self.app.state.vault

    def __enter__(self) -> ZooServer:
        self.start()
        return self


@dataclass
class Probe:
    """A plain httpx client on one server, with a token of each kind the checks use."""

    client: httpx.Client
    root: str
    #: update on sys/replication/*, no sudo
    update: str
    #: read only on sys/replication/*: no update
    read: str

    @classmethod
    def of(cls, server: ZooServer, client: httpx.Client) -> Probe:
        core = server.core
        core.policies.put("zoo-update", UPDATE_POLICY)
        core.policies.put("zoo-read", READ_POLICY)
        update, _ = core.tokens.create(policies=["zoo-update"], display_name="zoo-update")
        read, _ = core.tokens.create(policies=["zoo-read"], display_name="zoo-read")
        return cls(client, server.root_token, update, read)

    def send(
        self, method: str, path: str, *, token: str | None = None, bearer: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send ``path`` (e.g. ``/v1/sys/replication/status``) with ``token``.

        httpx removes dot segments from any URL; the request target is then set verbatim
        through httpcore's ``target`` extension, so ``/./`` and ``/../`` reach the server.
        """
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization" if bearer else "X-Vault-Token"] = (
                f"Bearer {token}" if bearer else token
            )
        return self.client.request(method, path, headers=headers,
                                   extensions={"target": path.encode("ascii")}, **kwargs)

    def status(self) -> dict[str, Any]:
        """The ``data`` of one status read."""
        response = self.send("GET", "/v1/sys/replication/status")
        response.raise_for_status()
        data: dict[str, Any] = response.json()["data"]
        return data
