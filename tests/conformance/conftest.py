"""Fixtures of the suite's own tests (helpers live in ``suite_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from suite_support import server_config

from reference_server.embedded import EmbeddedServer


@pytest.fixture
def reference() -> Iterator[EmbeddedServer]:
    """The reference server, default scenario, fast reindexes, a known root token."""
    with EmbeddedServer(server_config()) as server:
        yield server
