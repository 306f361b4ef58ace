"""Broken servers judged with ``--concurrency 8`` fail exactly as with 1: same verdict for every
check, one seed, behind a proxy that delays every answer (requests in flight overlap).

Chosen for what concurrency could get wrong: a WAL counter that goes back (the run-wide watcher
compares answers of several threads), one that restarts after a reindex (the state lane, full
profile), an invalid flag that starts a reindex (a check that must see no other state change),
a token leaked into a later answer (a judge that needs every secret of the run), and 401 for
403 (many checks at once).
"""

from __future__ import annotations

import pytest
from delay_proxy import DelayProxy
from test_zoo import MAX_EXAMPLES, SEED, _config, zoo_problems

from replcheck.conformance.engine.runner import RunResult, run
from replcheck.conformance.settings.target import Settings
from replcheck.reference_server.broken import ZOO
from replcheck.reference_server.broken.serving import ZooServer

CHOSEN = (
    "wal-goes-back",
    "wal-restarts-after-reindex",
    "invalid-flag-starts-reindex",
    "token-leak-across-requests",
    "forbidden-as-401",
)
DELAY_S = 0.005


def _judge(name: str, concurrency: int) -> RunResult:
    broken = next(b for b in ZOO if b.name == name)
    with (
        ZooServer(_config(broken.scenario), broken.factory) as server,
        DelayProxy(server.url, DELAY_S) as proxy,
    ):
        return run(
            Settings(
                url=proxy.url,
                token=server.root_token,
                profile=broken.profile,
                seed=SEED,
                max_examples=MAX_EXAMPLES,
                concurrency=concurrency,
                provision=True,
            ).replace(**broken.settings)
        )


@pytest.mark.parametrize("name", CHOSEN)
def test_broken_server_fails_alike_at_1_and_8(name: str) -> None:
    broken = next(b for b in ZOO if b.name == name)
    sequential, parallel = _judge(name, 1), _judge(name, 8)
    assert zoo_problems(broken, sequential) == []
    assert zoo_problems(broken, parallel) == []
    assert {f"{c.requirement}::{c.name}": c.outcome for c in parallel.checks} == {
        f"{c.requirement}::{c.name}": c.outcome for c in sequential.checks
    }
