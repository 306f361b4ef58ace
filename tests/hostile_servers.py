"""Targets that try to hang or exhaust the runner, and a way to run ``replcheck run`` against one.

Each hostile target is a raw-socket server on 127.0.0.1 (a thread per connection) that reads
the request head and answers whatever its behaviour writes, ignoring what was asked: a body of
200 MB, a gzip bomb, a body dribbled one byte at a time, JSON nested 1,000 levels deep.

``run_cli`` runs ``replcheck run`` in a subprocess and returns its exit code, output, the time it
took and its peak RSS (``VmHWM`` from ``/proc``, polled while it runs).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

Behaviour = Callable[[socket.socket], None]


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


def huge_body(size: int = 200 * 1024 * 1024) -> Behaviour:
    """A 200 OK JSON answer of ``size`` bytes, sent as fast as the runner reads."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(size)})
        )
        prefix = b'{"data": {"mode": "'
        conn.sendall(prefix)
        chunk = b"a" * (1024 * 1024)
        sent = len(prefix)
        while sent < size:
            piece = chunk[: size - sent]
            conn.sendall(piece)
            sent += len(piece)

    return answer


@cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of JSON-ish bytes (zeros after a prefix)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b'{"data": {"mode": "')]
    zeros = bytes(64 * 1024 * 1024)
    parts += [compressor.compress(zeros) for _ in range(16)]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bombed() -> Behaviour:
    bomb = gzip_bomb()

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            _head(
                "200 OK",
                {
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                    "Content-Length": str(len(bomb)),
                },
            )
        )
        conn.sendall(bomb)

    return answer


def dribble(every_s: float = 0.5, size: int = 1000) -> Behaviour:
    """Headers at once, then one body byte every ``every_s`` seconds: no single read ever
    waits long, the whole answer takes ``size * every_s`` seconds."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(size)})
        )
        for _ in range(size):
            conn.sendall(b" ")
            time.sleep(every_s)

    return answer


def deep_json(levels: int = 1000) -> Behaviour:
    """A 2 KB answer of lists nested ``levels`` deep."""
    body = b"[" * levels + b"]" * levels

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))})
        )
        conn.sendall(body)

    return answer


def _json_answer(body: bytes) -> Behaviour:
    """The same answer to every request, HEAD included (a body there too, as a careless server
    may send): ``Connection: close`` keeps that body from being read as the next answer."""

    def answer(conn: socket.socket) -> None:
        headers = {
            "Content-Type": "application/json", "Cache-Control": "no-store", "Connection": "close"
        }
        conn.sendall(_head("200 OK", {**headers, "Content-Length": str(len(body))}))
        conn.sendall(body)

    return answer


def many_values(count: int = 340_000) -> Behaviour:
    """Just under 1 MiB of empty objects: within the size cap, ~25 times that once parsed."""
    return _json_answer(b'{"data": {"x": [' + b",".join([b"{}"] * count) + b"]}}")


def large_every_time(size: int = 1024 * 1024 - 16) -> Behaviour:
    """Every answer a valid JSON status of ``size`` bytes: each within the cap, the run's
    total is not."""
    prefix, suffix = b'{"data": {"mode": "', b'"}}'
    return _json_answer(prefix + b"a" * (size - len(prefix) - len(suffix)) + suffix)


def _read_request(conn: socket.socket) -> bool:
    """Read one request (head and Content-Length body), so closing never resets it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


@contextmanager
def hostile(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` on a free loopback port; yields the URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stopping = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                while _read_request(conn):  # keep-alive: one answer per request
                    behaviour(conn)
            except OSError:  # the runner hung up: exactly what it should do
                pass

    def accept() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()


def _peak_rss_kb(pid: int) -> int:
    """The process's peak RSS since its exec (``VmHWM``), in kB; 0 once it has exited.

    ``getrusage``/``wait4`` are no use here: Linux carries the pre-exec high-water mark into
    ``ru_maxrss``, so a child forked from a large test process would report the parent's size.
    The mark only grows, so polling until the exit misses at most the last few milliseconds.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float


def run_cli(*args: str, timeout_s: float = 120.0, env: dict[str, str] | None = None) -> CliRun:
    """``replcheck run ARGS`` in a subprocess: exit code, output, duration and peak RSS."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "replcheck.conformance.cli", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    deadline = started + timeout_s
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _peak_rss_kb(process.pid))
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:  # a hang: kill it and say so
            process.kill()
            pid, status = os.waitpid(process.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    return CliRun(
        code=process.returncode,
        out=b"".join(out).decode(errors="replace"),
        err=b"".join(err).decode(errors="replace"),
        seconds=seconds,
        peak_rss_mb=peak_kb / 1024,
    )
