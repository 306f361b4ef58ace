"""The server's state in one object: tokens, policies, replication, settings and clock.

``create_app`` builds one ``VaultCore`` and exposes it as ``app.state.vault``, so tests can read
the root token, inject adverse replication states or swap the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .acl import PolicyStore, TokenStore
from .config import ServerConfig
from .replication import ReplicationState
from .scenarios import build_replication
from .states import STATES
from .topology.node import ClusterNode

__all__ = ["VERSION", "VaultCore"]

#: The Vault version the server reports (``+ent`` except in the community scenario).
VERSION = "1.17.3"


class VaultCore:
    """Everything a request handler may read or change."""

    def __init__(self, config: ServerConfig, clock: Callable[[], float] | None = None) -> None:
        self.config = config
        self.clock: Callable[[], float] = clock or time.time
        self.started = self.clock()
        self.policies = PolicyStore()
        self.tokens = TokenStore(self.clock)
        self.root_token, _ = self.tokens.create(
            token=config.root_token, policies=["root"], display_name="root", path="auth/token/root"
        )
        self.replication: ReplicationState = build_replication(config, self.clock)
        # Stand-ins for the dr-operation branch's attributes (replaced when it is merged).
        self.api_address = f"http://{config.host}:{config.port}"
        self.cluster_address = f"https://{config.host}:{config.port + 1}"
        self.unseal_keys: tuple[str, ...] = ()
        self.refuse_as_dr_secondary = False
        #: The Vault version a topology's cluster reports instead of the server's (a file's
        #: ``version``, or the ``older-version`` fault).
        self.reported_version: str | None = None
        self.node = ClusterNode(self)

    def adopt_unseal_keys(self, keys: tuple[str, ...]) -> None:
        self.unseal_keys = tuple(keys)

    @property
    def community(self) -> bool:
        return STATES[self.config.scenario].community

    @property
    def version(self) -> str:
        if self.reported_version is not None:
            return self.reported_version
        return VERSION if self.community else VERSION + "+ent"
