"""The plugin's own tests run pytest inside pytest (``pytester``, enabled for the project in
pyproject.toml: a conftest below the top level may not declare ``pytest_plugins``), against
servers started here (see ``plugin_servers``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plugin_servers import Served, serve

# pytester's in-process runs drop the modules they imported when they end; imported here first,
# the checks stay registered once (re-importing them would register every check again).
import replcheck.conformance.checks
import replcheck.conformance.fuzzing.check  # noqa: F401


@pytest.fixture
def reference() -> Iterator[Served]:
    yield from serve(broken=False)


@pytest.fixture
def broken() -> Iterator[Served]:
    yield from serve(broken=True)


@pytest.fixture
def community() -> Iterator[Served]:
    """The reference server as Vault Community Edition: no replication."""
    yield from serve(broken=False, scenario="community")
