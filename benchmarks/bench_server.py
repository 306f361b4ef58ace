"""Reference-server load benchmark: one command, one table.

    .venv/bin/python benchmarks/bench_server.py [--duration 3] [--connections 1 8 64]

Starts, each in its own process on a free 127.0.0.1 port and with the same uvicorn settings:
the reference server, and a bare ASGI hello-world (the baseline). Then it drives
``GET /v1/sys/replication/status`` and ``POST /v1/sys/replication/recover`` on the reference
server and ``GET /`` on the baseline, at each connection count, for a fixed duration each, and
prints throughput, p50/p99 latency, the ratio to the baseline, and the servers' RSS.

The load comes from ``wrk`` (compiled, one thread) when it is installed; set-up tries
``apt-get install wrk`` when running as root (``--no-install`` skips that). Without it, a
raw-asyncio keep-alive client in its own process is used; it needs a core of its own, so its
figures understate the server on a small machine (the table says which generator ran).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT_TOKEN = "bench-root-token"
TARGETS = {
    # name: (server, method, path, body)
    "status": ("reference", "GET", "/v1/sys/replication/status", b""),
    "recover": ("reference", "POST", "/v1/sys/replication/recover", b"{}"),
    "bare": ("bare", "GET", "/", b""),
}
GOALS = "status >= 50% of bare throughput; p99 < 10 ms at 8 connections; RSS < 80 MB"


# --- servers (child processes) ---------------------------------------------------------------

async def bare_app(scope, receive, send) -> None:
    """The baseline: the smallest JSON answer an ASGI app can give."""
    if scope["type"] != "http":
        return
    body = b'{"hello":"world"}'
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def run_child(kind: str) -> None:
    """Serve ``kind`` on a free port; print the port on stdout, then serve until killed."""
    import socket

    import uvicorn

    from reference_server.config import ServerConfig
    from reference_server.serving import uvicorn_config

    config = ServerConfig(host="127.0.0.1", port=0, root_token=ROOT_TOKEN, log_level="warning")
    if kind == "reference":
        from reference_server.app import create_app

        app = create_app(config)
    else:
        app = bare_app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn_config(app, config)).run(sockets=[sock])


@dataclass
class ServerProcess:
    kind: str
    process: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls, kind: str) -> ServerProcess:
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", kind], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        assert process.stdout is not None
        port = int(process.stdout.readline())
        server = cls(kind, process, port)
        server.wait_ready()
        return server

    def wait_ready(self) -> None:
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.kind} server did not start")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- load generators ---------------------------------------------------------------------------

@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_WRK_SCRIPT = """
wrk.method = "%(method)s"
wrk.body = "%(body)s"
wrk.headers["X-Vault-Token"] = "%(token)s"
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def run_wrk(port: int, method: str, path: str, body: bytes, connections: int,
            duration: float) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % {"method": method, "body": body.decode(),
                                    "token": ROOT_TOKEN})
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s",
             "-s", script.name, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, failures = (int(x) for x in line.split()[1:])
    return Result(requests, micros / 1e6, p50 / 1000, p99 / 1000, failures)


async def _asyncio_load(port: int, method: str, path: str, body: bytes, connections: int,
                        duration: float) -> Result:
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Vault-Token: {ROOT_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    failures = 0
    stop_at = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for header in head.split(b"\r\n"):
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 204")):
                    failures += 1
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return Result(len(latencies), elapsed, pct(0.50), pct(0.99), failures)


def run_asyncio(port: int, method: str, path: str, body: bytes, connections: int,
                duration: float) -> Result:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_asyncio_load(port, method, path, body, connections, duration))


def ensure_wrk(allow_install: bool) -> bool:
    if shutil.which("wrk"):
        return True
    if not allow_install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    print("setting up: apt-get install wrk ...", file=sys.stderr)
    for command in (["apt-get", "install", "-y", "-q", "wrk"],
                    ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        done = subprocess.run(command, capture_output=True, timeout=300)
        if done.returncode == 0 and shutil.which("wrk"):
            return True
    return bool(shutil.which("wrk"))


# --- the run -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument("--generator", choices=("auto", "wrk", "asyncio"), default="auto")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--child", choices=("reference", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child)
        return 0

    use_wrk = args.generator == "wrk" or (
        args.generator == "auto" and ensure_wrk(not args.no_install)
    )
    if use_wrk and not shutil.which("wrk"):
        parser.error("--generator wrk: wrk is not installed")
    generator = run_wrk if use_wrk else run_asyncio
    servers = {kind: ServerProcess.start(kind) for kind in ("reference", "bare")}
    results: dict[tuple[str, int], Result] = {}
    try:
        for kind, method, path, body in TARGETS.values():  # warm up every path
            generator(servers[kind].port, method, path, body, 4, 1.0)
        for connections in args.connections:
            for name, (kind, method, path, body) in TARGETS.items():
                results[name, connections] = generator(
                    servers[kind].port, method, path, body, connections, args.duration
                )
        rss = {kind: server.rss_mb() for kind, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()

    print(f"\nload generator: {'wrk (1 thread)' if use_wrk else 'python asyncio client'}; "
          f"{args.duration:g} s per cell; loopback; uvicorn h11, one worker\n")
    header = f"{'target':<8} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} " \
             f"{'vs bare':>8} {'fails':>6}"
    print(header)
    print("-" * len(header))
    for connections in args.connections:
        bare = results["bare", connections]
        for name in TARGETS:
            result = results[name, connections]
            ratio = result.rps / bare.rps if bare.rps else float("nan")
            print(f"{name:<8} {connections:>5} {result.rps:>9.0f} {result.p50_ms:>8.2f} "
                  f"{result.p99_ms:>8.2f} {ratio:>7.0%} {result.failures:>6}")
    print(f"\nRSS after load: reference {rss['reference']:.1f} MB, bare {rss['bare']:.1f} MB")
    verdicts = []
    for connections in args.connections:
        ratio = results["status", connections].rps / results["bare", connections].rps
        verdicts.append(f"status/bare at {connections}: {ratio:.0%}")
    if 8 in args.connections:
        verdicts.append(f"status p99 at 8: {results['status', 8].p99_ms:.2f} ms, "
                        f"recover p99 at 8: {results['recover', 8].p99_ms:.2f} ms")
    print("goals: " + GOALS)
    print("       " + "; ".join(verdicts))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "generator": "wrk" if use_wrk else "asyncio",
            "rss_mb": rss,
            "cells": [{"target": n, "connections": c, "rps": r.rps, "p50_ms": r.p50_ms,
                       "p99_ms": r.p99_ms, "failures": r.failures}
                      for (n, c), r in results.items()],
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
