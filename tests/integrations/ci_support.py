"""Helpers of the CI-integration tests: the repository, a clean job environment, a target whose
status endpoint wrongly demands a token, and check-jsonschema.

A plainly named module (not ``conftest``): each test folder has its own conftest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPLCHECK = BIN / "replcheck"
STATUS = "/v1/sys/replication/status"
ROOT_TOKEN = "hvs.ci0integration0root0token0of0ci"


def job_env(**extra: str) -> dict[str, str]:
    """What a CI job starts with: a PATH and a HOME, no VAULT_* or REPLCHECK_* of the test
    process."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        **extra,
    }


class StatusNeedsToken:
    """The reference server with one deviation: ``GET sys/replication/status`` without a token
    is refused 403 (Vault serves it unauthenticated: STATUS-UNAUTHENTICATED must fail)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == STATUS:
            names = {name for name, _ in scope["headers"]}
            if b"x-vault-token" not in names and b"authorization" not in names:
                body = json.dumps({"errors": ["permission denied"]}).encode()
                headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
                await send({"type": "http.response.start", "status": 403, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@contextmanager
def status_needs_token() -> Iterator[EmbeddedServer]:
    config = ServerConfig(root_token=ROOT_TOKEN, log_level="warning")
    with EmbeddedServer(config, wrap=StatusNeedsToken) as server:
        yield server


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    """check-jsonschema of the dev extra; its vendored schemas need no network."""
    return subprocess.run(
        [str(BIN / "check-jsonschema"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
