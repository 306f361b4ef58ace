"""Fixtures of the TLS tests: one set of certificates per session, reference servers on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tls_pki import Pki, make_pki

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _server(pki: Pki, *, named: bool = False, mutual: bool = True) -> EmbeddedServer:
    config = ServerConfig(
        root_token="tls-root-token",
        tls_cert=str(pki.named_cert if named else pki.server_cert),
        tls_key=str(pki.named_key if named else pki.server_key),
        tls_client_ca=str(pki.ca) if mutual else None,
    )
    return EmbeddedServer(config)


@pytest.fixture(scope="module")
def mtls_server(pki: Pki) -> Iterator[EmbeddedServer]:
    """The reference server on TLS, requiring a client certificate of the test CA."""
    with _server(pki) as server:
        yield server


@pytest.fixture(scope="module")
def named_server(pki: Pki) -> Iterator[EmbeddedServer]:
    """The reference server on 127.0.0.1 with a certificate for ``vault.test`` only."""
    with _server(pki, named=True, mutual=False) as server:
        yield server
