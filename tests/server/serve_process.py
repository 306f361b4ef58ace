"""``replcheck serve`` as a child process on a free loopback port, for tests over raw sockets.

The server runs in its own process so that its memory (``/proc/PID/status``) and its log
(stderr, kept in a file) can be measured from outside, as an operator would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

__all__ = ["ServeProcess", "read_until_closed", "replcheck_command"]


def replcheck_command() -> list[str]:
    script = Path(sys.executable).with_name("replcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "replcheck.conformance.cli"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ServeProcess:
    """``with ServeProcess(log_file, "--read-header-timeout", "1") as server: server.port``."""

    def __init__(self, log_file: Path, *flags: str, root_token: str = "root") -> None:
        self.log_file = log_file
        self.flags = flags
        self.root_token = root_token
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        #: The banner's lines, up to the root token.
        self.banner: list[str] = []

    def __enter__(self) -> ServeProcess:
        log = self.log_file.open("w")
        self.process = subprocess.Popen(
            [*replcheck_command(), "serve", "--port", "0", "--dev-root-token", self.root_token,
             *self.flags],
            stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # A background job's shell ignores SIGINT, and children inherit that: give the
            # server the default disposition, as in a terminal, so Ctrl-C can be tested.
            preexec_fn=_default_sigint,
        )
        log.close()
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))
            if "Api Address:" in line:
                self.port = int(line.rsplit(":", 1)[1])
            if line.startswith("Root Token:"):
                break
        assert self.port, "replcheck serve printed no address"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the banner is printed just before uvicorn accepts
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("replcheck serve did not accept connections")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()

    def memory_kb(self, field: str = "VmRSS") -> int:
        """A memory figure of the server process: ``VmRSS`` now, ``VmHWM`` its peak so far."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def exchange(self, raw: bytes, timeout: float = 10.0) -> bytes:
        """Send ``raw`` on a new connection and read until the server closes it (or times out)."""
        with self.connect(timeout) as sock:
            with contextlib.suppress(OSError):  # the server may close before taking it all
                sock.sendall(raw)
            return read_until_closed(sock)


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received
