"""The real ``bao`` CLI (OpenBao's, the same client code as ``vault``) against the reference server.

What an operator types first must just work: status, the three replication endpoints (``write -f``
sends a JSON ``null`` body), policies, tokens and capabilities.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openbao_support import bao_binary

from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

POLICY = 'path "sys/replication/*" {\n  capabilities = ["update"]\n}\n'


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(root_token="root", reindex_stage_seconds=0)) as running:
        yield running


@pytest.fixture
def bao(server: EmbeddedServer, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env.update(BAO_ADDR=server.url, BAO_TOKEN="root", HOME=str(tmp_path))

    def run(*args: str, token: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [bao_binary(), *args], env={**env, "BAO_TOKEN": token or "root"},
            capture_output=True, text=True, timeout=60, check=False,
        )
        if ok:
            assert done.returncode == 0, f"bao {' '.join(args)}: {done.stderr}"
        return done

    return run


def _json(done: subprocess.CompletedProcess) -> Any:
    return json.loads(done.stdout)


def test_status_reads_seal_status_and_leader(bao, server: EmbeddedServer) -> None:
    status = _json(bao("status", "-format=json"))
    assert status["initialized"] is True and status["sealed"] is False
    assert status["ha_enabled"] is True and status["is_self"] is True
    assert status["leader_address"] == server.url
    assert status["leader_cluster_address"] == f"https://127.0.0.1:{server.port + 1}"
    assert (status["t"], status["n"]) == (1, 1)


def test_read_replication_status(bao) -> None:
    data = _json(bao("read", "-format=json", "sys/replication/status"))["data"]
    assert data["dr"]["mode"] == "primary" and data["performance"]["mode"] == "primary"


def test_write_recover_and_reindex(bao, server: EmbeddedServer) -> None:
    recovered = _json(bao("write", "-format=json", "-f", "sys/replication/recover"))
    assert recovered["warnings"]
    bao("write", "-f", "sys/replication/reindex")
    bao("write", "sys/replication/reindex", "diff=true")
    job = server.app.state.vault.replication.job
    assert job is not None and job.diff is True


def test_policy_write_read_list_delete(bao, tmp_path: Path) -> None:
    source = tmp_path / "ops.hcl"
    source.write_text(POLICY)
    bao("policy", "write", "cli-ops", str(source))
    assert _json(bao("policy", "read", "-format=json", "cli-ops"))["policy"] == POLICY
    assert "cli-ops" in _json(bao("policy", "list", "-format=json"))
    bao("policy", "delete", "cli-ops")
    assert "cli-ops" not in _json(bao("policy", "list", "-format=json"))


def test_token_create_capabilities_lookup_revoke(bao, tmp_path: Path) -> None:
    source = tmp_path / "ops.hcl"
    source.write_text(POLICY)
    bao("policy", "write", "cli-token", str(source))
    created = _json(bao("token", "create", "-format=json", "-policy=cli-token", "-ttl=10m"))
    token = created["auth"]["client_token"]
    assert created["auth"]["policies"] == ["cli-token", "default"]
    caps = bao("token", "capabilities", token, "sys/replication/reindex").stdout.split()
    assert caps == ["update"]
    own = bao("token", "capabilities", "sys/replication/reindex", token=token).stdout.split()
    assert own == ["update"]
    looked_up = _json(bao("token", "lookup", "-format=json", token))["data"]
    assert looked_up["policies"] == ["cli-token", "default"]
    # Without sudo the token cannot reindex: the CLI reports Vault's 403.
    denied = bao("write", "-f", "sys/replication/reindex", token=token, ok=False)
    assert denied.returncode == 2 and "permission denied" in denied.stderr
    bao("token", "revoke", token)
    gone = bao("token", "lookup", token, ok=False)
    assert gone.returncode == 2 and "bad token" in gone.stderr
