"""The OpenBao fixture starts a real server that answers like Vault, and stops it by PID."""

from __future__ import annotations

import os

import httpx
from openbao_support import OpenBaoServer


def test_openbao_answers_like_vault(openbao: OpenBaoServer) -> None:
    seal = httpx.get(openbao.url + "/v1/sys/seal-status")
    assert seal.status_code == 200 and seal.json()["sealed"] is False
    missing = httpx.get(openbao.url + "/v1/sys/replication/status")
    assert missing.status_code == 404
    assert missing.json() == {"errors": ["unsupported path"]}
    lookup = httpx.get(
        openbao.url + "/v1/auth/token/lookup-self", headers={"X-Vault-Token": "root"}
    )
    assert lookup.status_code == 200 and lookup.json()["data"]["id"] == "root"


def test_stop_ends_the_process() -> None:
    server = OpenBaoServer(root_token="another").start()
    pid = server.pid
    server.stop()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    raise AssertionError(f"bao (pid {pid}) still running after stop()")
