"""Interrupting ``replcheck run`` at chosen moments, and seeing every request it sent after.

``SignallingProxy`` is an ASGI wrapper around a target (the reference server, or a forwarder to
OpenBao) that records every request, and when a chosen request arrives (the trigger) sends
signals to the runner's process and holds that request's answer a moment, so the signal lands
while the runner waits for it, as a Ctrl-C would. ``start_cli`` starts ``replcheck run`` in a
subprocess whose pid the proxy signals; ``start_cli_on_terminal`` starts the console script on
a pseudo-terminal of its own (``Terminal``), which the proxy can close at the trigger
(``on_trigger``) as a closed terminal window or a dropped SSH session would.
``forwarding_app`` puts the proxy in front of a server of another process (OpenBao);
``asgi_serving.serve_asgi`` serves either on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Requests that only remove what the run provisioned: the only ones allowed after a signal.
CLEANUP = (
    ("POST", "/v1/auth/token/revoke"),
    ("DELETE", "/v1/sys/policies/acl/"),
    ("LIST", "/v1/auth/token/accessors"),
    ("POST", "/v1/auth/token/lookup-accessor"),
    ("POST", "/v1/auth/token/revoke-accessor"),
)

Trigger = Callable[[str, str, int], bool]


def is_cleanup(method: str, path: str) -> bool:
    return any(method == m and path.startswith(p) for m, p in CLEANUP)


def nth(count: int, method: str | None = None, path_part: str = "") -> Trigger:
    """Trigger on the ``count``-th request whose method is ``method`` (any when None) and
    whose path contains ``path_part``."""
    seen = [0]

    def matches(request_method: str, path: str, index: int) -> bool:
        if (method is None or request_method == method) and path_part in path:
            seen[0] += 1
            return seen[0] == count
        return False

    return matches


@dataclass
class SignallingProxy:
    app: Any
    trigger: Trigger
    signals: tuple[int, ...] = (signal.SIGINT,)
    #: Seconds between signals when several are sent (repeated Ctrl-C).
    gap_s: float = 0.05
    #: How long the trigger's answer is held back after the signals.
    hold_s: float = 1.0
    #: Signals sent while the first cleanup request after the trigger is held (repeated
    #: Ctrl-C landing in the middle of cleanup).
    during_cleanup: tuple[int, ...] = ()
    pid: int | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: Index in ``requests`` of the trigger; None until it fired.
    fired_at: int | None = None
    #: ``time.monotonic()`` when the first signal was sent.
    signalled_at: float | None = None
    #: Called when the trigger fires, after the signals (if any): e.g. closing the runner's
    #: terminal (``Terminal.hang_up``), which makes the kernel send it SIGHUP.
    on_trigger: Callable[[], None] | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        index = len(self.requests)
        self.requests.append((method, path))
        signals: tuple[int, ...] = ()
        fired = False
        if self.fired_at is None and self.pid is not None and self.trigger(method, path, index):
            self.fired_at, signals, fired = index, self.signals, True
        elif self.fired_at is not None and self.during_cleanup and is_cleanup(method, path):
            signals, self.during_cleanup = self.during_cleanup, ()
        action = self.on_trigger if fired else None
        if not signals and action is None:
            await self.app(scope, receive, send)
            return

        async def held_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                # The target has acted on the request (a token exists); its answer is in flight.
                for number, signum in enumerate(signals):
                    if number:
                        await asyncio.sleep(self.gap_s)
                    if self.signalled_at is None:
                        self.signalled_at = time.monotonic()
                    os.kill(self.pid, signum)  # type: ignore[arg-type]
                if action is not None:
                    if self.signalled_at is None:
                        self.signalled_at = time.monotonic()
                    await asyncio.to_thread(action)
                await asyncio.sleep(self.hold_s)
            await send(message)

        await self.app(scope, receive, held_send)

    def after_signal(self) -> list[tuple[str, str]]:
        """Requests that arrived after the trigger (the trigger itself excluded)."""
        if self.fired_at is None:
            return []
        return self.requests[self.fired_at + 1 :]

    def not_cleanup_after_signal(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.after_signal() if not is_cleanup(m, p)]


@dataclass
class Finished:
    code: int
    out: str
    err: str
    seconds: float
    #: ``time.monotonic()`` when the process had ended.
    ended_at: float = 0.0


def start_cli(*args: str) -> subprocess.Popen[bytes]:
    """``replcheck run ARGS`` in a subprocess, with no VAULT_* variable of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "replcheck.conformance.cli", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


class Terminal:
    """A pseudo-terminal that is the controlling terminal of a process started on it.

    Its output is drained as it comes (a full terminal would block the writer); ``hang_up``
    closes it as closing a terminal window or dropping an SSH session does: the kernel sends
    SIGHUP to the process, and its later writes fail with EIO."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.output = bytearray()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)

    def _drain(self) -> None:
        while not self._closing.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def start(self) -> None:
        os.close(self.slave)  # the child holds its own copy
        self._reader.start()

    def hang_up(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._reader.join(timeout=5)
        os.close(self.master)


def start_cli_on_terminal(*args: str) -> tuple[subprocess.Popen[bytes], Terminal]:
    """``replcheck run ARGS`` (the console script) on a terminal of its own; stderr as well."""
    terminal = Terminal()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    process = subprocess.Popen(
        [sys.executable, "-c", _ON_TERMINAL, console_script(), "run", *args],
        stdin=terminal.slave,
        stdout=terminal.slave,
        stderr=terminal.slave,
        env=env,
        start_new_session=True,
    )
    terminal.start()
    return process, terminal


#: Run in the new session's leader: make the terminal on stdin the controlling one, then become
#: the command (same process, so the pid the proxy knows is the command's).
_ON_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def finish_on_terminal(
    process: subprocess.Popen[bytes], terminal: Terminal, timeout_s: float = 120.0
) -> Finished:
    """Wait for a process started by ``start_cli_on_terminal``; its output is what the
    terminal showed until it was closed (the whole output when it never was)."""
    started = time.monotonic()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    ended = time.monotonic()
    terminal.hang_up()
    shown = terminal.output.decode(errors="replace")
    return Finished(process.returncode, shown, "", ended - started, ended)


def console_script() -> str:
    """The ``replcheck`` console script of this environment (beside its Python)."""
    return str(Path(sys.executable).with_name("replcheck"))


def finish(process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> Finished:
    started = time.monotonic()
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    ended = time.monotonic()
    return Finished(
        process.returncode,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        ended - started,
        ended,
    )


def forwarding_app(upstream: str, status_body: bytes | None = None) -> Any:
    """An ASGI app passing every request to ``upstream`` (e.g. OpenBao) as it came; with
    ``status_body``, GET sys/replication/status is answered with it instead, so a target
    without replication still gets the whole suite (checks, fuzzing) sent its way."""
    import httpx

    client_holder: dict[str, httpx.AsyncClient] = {}
    lock = threading.Lock()

    async def app(scope: dict, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if (
            status_body is not None
            and scope["method"] == "GET"
            and scope["path"] == ("/v1/sys/replication/status")
        ):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": status_body})
            return
        with lock:
            client = client_holder.setdefault("client", httpx.AsyncClient(timeout=30))
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = [
            (k, v) for k, v in scope["headers"] if k.lower() not in (b"host", b"content-length")
        ]
        request = client.build_request(scope["method"], upstream, headers=headers, content=body)
        request.url = request.url.copy_with(raw_path=target)
        answer = await client.send(request)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": [
                    (k, v)
                    for k, v in answer.headers.raw
                    if k.lower()
                    not in (
                        b"content-length",
                        b"transfer-encoding",
                        b"content-encoding",
                        b"connection",
                    )
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.content})

    return app
