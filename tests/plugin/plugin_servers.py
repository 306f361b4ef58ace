"""Servers and helpers of the plugin's tests (a plainly named module, not ``conftest``: each
test folder has a conftest, and ``from conftest import`` would pick whichever came first).

The servers: the reference server, and a broken one (sudo not enforced on reindex, no
Cache-Control on status) whose deviations the bundled suite must name by requirement id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.core import VaultCore
from replcheck.reference_server.embedded import EmbeddedServer

ROOT_TOKEN = "hvs.plugin0test0root0token0for0the0gate"
#: Arguments every run of the bundled suite gets: a small fuzzing budget keeps runs short.
SUITE_ARGS = ("--replcheck-seed", "11", "--replcheck-max-examples", "4", "-p", "no:cacheprovider")
REINDEX = "/v1/sys/replication/reindex"
STATUS = "/v1/sys/replication/status"


def _config(scenario: str) -> ServerConfig:
    return ServerConfig(
        root_token=ROOT_TOKEN, scenario=scenario, reindex_stage_seconds=0.002, log_level="warning"
    )


class SudoBlindCacheless:
    """The reference app with two deviations: a reindex with any live token that is not root
    is answered 204 as if it ran (sudo is not enforced: REINDEX-SUDO; nothing actually starts,
    so no other check sees a side effect), and status answers carry no Cache-Control
    (VAULT-CACHE-CONTROL, found by a judge)."""

    def __init__(self, app: Any, core: VaultCore) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == REINDEX and self._non_root(scope):
            await send({"type": "http.response.start", "status": 204, "headers": _NO_STORE})
            await send({"type": "http.response.body", "body": b""})
            return
        status_read = scope["type"] == "http" and scope["path"] == STATUS

        async def sending(message: dict) -> None:
            if status_read and message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [(k, v) for k, v in message["headers"] if k != b"cache-control"],
                }
            await send(message)

        await self.app(scope, receive, sending)

    def _non_root(self, scope: dict) -> bool:
        for name, value in scope["headers"]:
            if name == b"x-vault-token":
                entry = self.core.tokens.lookup(value.decode("latin-1"))
                return entry is not None and not entry.is_root
        return False


_NO_STORE = [(b"cache-control", b"no-store")]


class Served:
    """A server of the tests: its URL and its state (to see what a run left behind)."""

    def __init__(self, url: str, core: VaultCore) -> None:
        self.url = url
        self.core = core

    def leftovers(self) -> tuple[list[str], int]:
        """replcheck's policies still present, and how many tokens besides root remain."""
        policies = [name for name in self.core.policies.names() if name.startswith("replcheck-")]
        return policies, len(self.core.tokens) - 1


def serve(broken: bool, scenario: str = "dr-perf-primary") -> Iterator[Served]:
    """The reference server (or its broken wrapper) on 127.0.0.1 and a free port."""
    wrap = (lambda app: SudoBlindCacheless(app, app.state.vault)) if broken else None
    with EmbeddedServer(_config(scenario), wrap=wrap) as server:
        yield Served(server.url, server.app.state.vault)


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    """Check id -> outcome, from replcheck's JSON report."""
    return {
        f"{requirement['id']}::{check['name']}": check["outcome"]
        for requirement in report["requirements"]
        for check in requirement["checks"]
    }


def read_json(source: Any) -> dict[str, Any]:
    """A JSON report, from its file or its text."""
    return json.loads(source if isinstance(source, str) else source.read_text(encoding="utf-8"))
