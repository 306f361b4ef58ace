"""The server's state in one object: tokens, policies, replication, settings and clock.

``create_app`` builds one ``VaultCore`` and exposes it as ``app.state.vault``, so tests can read
the root token, inject adverse replication states or swap the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .acl import PolicyStore, TokenStore
from .addresses import api_address, cluster_address
from .config import ServerConfig
from .dr_operation_tokens import DrOperationTokens
from .key_shares import KeyShares
from .path_filters import PathFilters
from .replication import ReplicationState
from .scenarios import build_replication
from .states import STATES
from .status_values import DR, SECONDARY
from .topology.node import ClusterNode

__all__ = ["VERSION", "VaultCore"]

#: The Vault version the server reports (``+ent`` except in the community scenario).
VERSION = "1.17.3"


class VaultCore:
    """Everything a request handler may read or change.

    Per-cluster facts a topology of clusters sets from outside
    (``replcheck.reference_server.topology``):
    ``api_address`` / ``cluster_address`` (``sys/leader`` and replication peers report them),
    ``refuse_as_dr_secondary`` (the app refuses what a DR secondary does not serve), the unseal
    key shares (``adopt_unseal_keys``), the DR operation tokens and the paths filters.
    """

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
        self.api_address: str = api_address(config)
        self.cluster_address: str = cluster_address(config)
        #: When set, every request but those a DR secondary serves is refused (``app``): from
        #: the start in a state whose dr section is a secondary (``--state dr-secondary-idle``),
        #: and whenever a topology makes the cluster a DR secondary.
        self.refuse_as_dr_secondary: bool = self.replication.sections[DR].mode == SECONDARY
        self._key_shares = KeyShares.generate(config.key_shares, config.key_threshold)
        self.dr_operation_tokens = DrOperationTokens(
            lambda: self._key_shares, self.tokens.new_token_value
        )
        self.path_filters = PathFilters()
        #: The cluster's own mounts (``secret/`` ...), beyond the system's: what a paths
        #: filter can keep from a secondary (the dynamic filters list them).
        self.mounts: list[str] = ["secret/"]
        #: The Vault version a topology's cluster reports instead of the server's (a file's
        #: ``version``, or the ``older-version`` fault).
        self.reported_version: str | None = None
        self.node = ClusterNode(self)

    @property
    def unseal_keys(self) -> tuple[str, ...]:
        """The cluster's unseal key shares, standard base64 (Vault's ``keys_base64``)."""
        return self._key_shares.encoded

    @property
    def unseal_threshold(self) -> int:
        return self._key_shares.threshold

    def adopt_unseal_keys(self, keys: Sequence[str]) -> None:
        """Take another cluster's key shares (a DR secondary takes its primary's on enable);
        ``ValueError`` (``KeySharesError``) when they are not shares of one key."""
        self._key_shares = KeyShares.adopt(list(keys))

    def listening_on(self, port: int) -> None:
        """The listener is bound: derive the addresses the config does not fix from its port."""
        self.api_address = api_address(self.config, port)
        self.cluster_address = cluster_address(self.config, port)

    @property
    def community(self) -> bool:
        return STATES[self.config.scenario].community

    @property
    def version(self) -> str:
        if self.reported_version is not None:
            return self.reported_version
        return VERSION if self.community else VERSION + "+ent"
