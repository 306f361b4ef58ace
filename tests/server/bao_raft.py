"""A one-node OpenBao on raft storage: a real HA active node, for ``sys/leader``'s shape.

``bao server -dev`` has no HA (its ``sys/leader`` is ``{"ha_enabled":false}``); raft storage
is HA, so a single initialised and unsealed node answers as an active node does. Started and
stopped by PID, on free loopback ports (API P, cluster P+1), its data in a test's tmp_path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from openbao_support import _free_port, bao_binary


class RaftOpenBao:
    def __init__(self, directory: Path, timeout: float = 30.0) -> None:
        self.directory = directory
        self.timeout = timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        return {**env, "BAO_ADDR": self.url}

    def start(self) -> RaftOpenBao:
        """Start on a free port; again on another one if bao could not start there (the
        cluster port P+1, unprobed, may be taken)."""
        for attempt in range(3):
            try:
                return self._start(self.directory / f"try-{attempt}")
            except (RuntimeError, AssertionError):
                self.stop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _start(self, directory: Path) -> RaftOpenBao:
        self.port = _free_port()
        data = directory / "raft"
        data.mkdir(parents=True)
        config = directory / "bao.hcl"
        config.write_text(
            f'storage "raft" {{\n  path = "{data}"\n  node_id = "n1"\n}}\n'
            f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n'
            f'  cluster_address = "127.0.0.1:{self.port + 1}"\n  tls_disable = true\n}}\n'
            f'api_addr = "{self.url}"\ncluster_addr = "https://127.0.0.1:{self.port + 1}"\n'
            "disable_mlock = true\n"
        )
        with (directory / "bao.log").open("wb") as log:  # the child keeps its own descriptor
            self._process = subprocess.Popen(
                [bao_binary(), "server", f"-config={config}"], stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self._env(),
            )
        self._wait(lambda: httpx.get(self.url + "/v1/sys/seal-status", timeout=1).status_code
                   == 200)
        init = httpx.put(self.url + "/v1/sys/init", timeout=self.timeout, json={"secret_shares": 1,
                                                           "secret_threshold": 1}).json()
        httpx.put(self.url + "/v1/sys/unseal", timeout=self.timeout,
                  json={"key": init["keys_base64"][0]})
        self._wait(lambda: self.leader().get("is_self") is True)
        return self

    def leader(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(httpx.get(self.url + "/v1/sys/leader").content)
        return answer

    def _wait(self, ready: Any) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            assert self._process is not None and self._process.poll() is None, "bao exited"
            try:
                if ready():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the raft OpenBao did not become active")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def __enter__(self) -> RaftOpenBao:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
