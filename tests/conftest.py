"""Fixtures shared by every test folder: a real OpenBao server (see ``openbao_support``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from openbao_support import OpenBaoServer

# A `replcheck run` made inside a test process points Hypothesis at the user's cache folder
# (replcheck.conformance.fuzzing.storage); the tests keep it in the repository's build/ instead,
# so that nothing outside the repository is read or written at test time.
os.environ.setdefault(
    "REPLCHECK_CACHE_DIR", str(Path(__file__).resolve().parents[1] / "build" / "test-cache")
)


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBaoServer]:
    """One ``bao server -dev`` per test process (per xdist worker), root token ``root``.

    Tests that change its state (policies, tokens) use names of their own, so they can share it.
    """
    with OpenBaoServer(root_token="root") as server:
        yield server
