"""Fixtures shared by every test folder: a real OpenBao server (see ``openbao_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openbao_support import OpenBaoServer


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBaoServer]:
    """One ``bao server -dev`` per test process (per xdist worker), root token ``root``.

    Tests that change its state (policies, tokens) use names of their own, so they can share it.
    """
    with OpenBaoServer(root_token="root") as server:
        yield server
