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

    @property
    def community(self) -> bool:
        return STATES[self.config.scenario].community

    @property
    def version(self) -> str:
        return VERSION if self.community else VERSION + "+ent"
