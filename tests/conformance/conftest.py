"""Fixtures of the suite's own tests (helpers live in ``suite_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from suite_support import server_config

from replcheck.conformance.transport.masking import Masker
from replcheck.reference_server.embedded import EmbeddedServer


@pytest.fixture
def reference() -> Iterator[EmbeddedServer]:
    """The reference server, default scenario, fast reindexes, a known root token."""
    with EmbeddedServer(server_config()) as server:
        yield server


@pytest.fixture
def secrets_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Every secret the suite registers for masking (so provisioned tokens become visible)."""
    seen: dict[str, str] = {}
    original = Masker.add

    def spy(self: Masker, secret: str | None, label: str) -> None:
        if secret:
            seen[secret] = label
        original(self, secret, label)

    monkeypatch.setattr(Masker, "add", spy)
    yield seen
