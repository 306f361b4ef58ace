"""Reference-server load benchmark: ``replcheck serve`` as shipped beside a bare Starlette app.

    .venv/bin/python benchmarks/bench_server.py [--duration 3] [--connections 1 8 64]

Starts, each in its own process on a free 127.0.0.1 port:

* ``replcheck serve`` with its default settings, exactly as a user runs it (the command itself);
* ``replcheck serve --access-log`` (one log line per request, written by a thread);
* the baseline: a bare Starlette app (one route, ``JSONResponse``) on uvicorn with httptools,
  uvicorn's fastest parser, access log off;
* the same bare app on uvicorn with h11, the parser the reference server used before.

Then ``wrk`` (one thread) drives ``GET /v1/sys/replication/status`` and ``POST
/v1/sys/replication/recover`` on the reference servers and ``GET /`` on the bare ones, at each
connection count, for a fixed duration each, and prints one table: throughput, p50/p99, the
ratio to the httptools baseline at the same connection count, and each row's parser and log
settings; then the servers' RSS after the load and the verdict on each target.

``wrk`` comes from Debian: when it is missing, set-up runs ``apt-get install -y wrk`` (as root;
``--no-install`` forbids it). Without wrk the benchmark prints SKIPPED and exits 0: figures from
a Python load generator sharing the two cores would say more about the generator than about
the server.
"""

from __future__ import annotations

import argparse
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
from typing import IO

ROOT_TOKEN = "bench-root-token"
REPLCHECK = [str(Path(sys.executable).with_name("replcheck"))]


@dataclass(frozen=True)
class Server:
    """One server under load: how to start it and what to say about it in the table."""

    name: str
    command: list[str]
    parser: str
    logging: str


SERVERS = [
    Server("serve", [*REPLCHECK, "serve", "--port", "0", "--dev-root-token", ROOT_TOKEN],
           "zttp (uvicorn)", "level info, access log off (defaults)"),
    Server("serve+log", [*REPLCHECK, "serve", "--port", "0", "--dev-root-token", ROOT_TOKEN,
                         "--access-log"],
           "zttp (uvicorn)", "level info, access log on (queued to a thread)"),
    Server("bare", [sys.executable, __file__, "--child", "httptools"],
           "httptools (uvicorn)", "level warning, access log off"),
    Server("bare-h11", [sys.executable, __file__, "--child", "h11"],
           "h11 (uvicorn)", "level warning, access log off"),
]

# Rows of the table: (row name, server name, method, path, body).
TARGETS = [
    ("status", "serve", "GET", "/v1/sys/replication/status", b""),
    ("recover", "serve", "POST", "/v1/sys/replication/recover", b"{}"),
    ("status+log", "serve+log", "GET", "/v1/sys/replication/status", b""),
    ("bare", "bare", "GET", "/", b""),
    ("bare-h11", "bare-h11", "GET", "/", b""),
]
BASELINE = "bare"
MIN_RATIO, GOAL_RATIO, MAX_P99_MS, MAX_RSS_MB = 0.5, 0.8, 20.0, 60.0


# --- the bare baseline (a child process) -----------------------------------------------------

def run_bare(parser: str) -> None:
    """Serve the bare Starlette app with ``parser`` on a free port; print the port, then serve."""
    import socket

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    app = Starlette(routes=[Route("/", hello)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"Api Address: http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, http=parser, log_level="warning", access_log=False,
                            lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class ServerProcess:
    server: Server
    process: subprocess.Popen[str]
    log: IO[str]
    port: int

    @classmethod
    def start(cls, server: Server) -> ServerProcess:
        # The log goes to a file, never a pipe nobody reads: it would fill and block the server.
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by stop()
        process = subprocess.Popen(
            server.command, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        assert process.stdout is not None
        port = 0
        for line in process.stdout:
            if "Api Address:" in line:
                port = int(line.rsplit(":", 1)[1])
                break
        if not port:
            raise RuntimeError(f"{server.name} printed no address")
        started = cls(server, process, log, port)
        started.wait_ready()
        return started

    def wait_ready(self) -> None:
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.server.name} did not start")

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop(self.process, timeout=10)
        self.log.close()


def rss_mb(pid: int) -> float:
    """The process's resident memory now (``/proc/PID/status``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (from ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen[str], *, timeout: float) -> None:
    """SIGTERM, as a user's Ctrl-C would; SIGKILL after ``timeout`` seconds; its pipe closed."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- the load --------------------------------------------------------------------------------

@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int
    cpu_seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self) -> float:
        """Server CPU per request: unlike req/s, barely moved by other work on the machine."""
        return self.cpu_seconds / self.requests * 1e6 if self.requests else float("nan")


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


def ensure_wrk(allow_install: bool) -> bool:
    if shutil.which("wrk"):
        return True
    if not allow_install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    print("setting up: apt-get install -y wrk ...", file=sys.stderr, flush=True)
    for command in (["apt-get", "install", "-y", "-q", "wrk"],
                    ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        done = subprocess.run(command, capture_output=True, timeout=300, check=False)
        if done.returncode == 0 and shutil.which("wrk"):
            return True
    return bool(shutil.which("wrk"))


# --- the run -----------------------------------------------------------------------------------

def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--child", choices=("httptools", "h11"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_bare(args.child)
        return 0

    if not ensure_wrk(not args.no_install):
        print("\n*** SKIPPED bench_server: wrk is not installed and could not be installed "
              "(as root: apt-get install -y wrk) ***\n", flush=True)
        return 0
    processes = {server.name: ServerProcess.start(server) for server in SERVERS}
    results: dict[tuple[str, int], Result] = {}
    try:
        for _, name, method, path, body in TARGETS:  # warm up every path
            run_wrk(processes[name].port, method, path, body, 4, 1.0)
        for connections in args.connections:
            for row, name, method, path, body in TARGETS:
                process = processes[name]
                cpu_before = process.cpu_seconds()
                result = run_wrk(process.port, method, path, body, connections, args.duration)
                result.cpu_seconds = process.cpu_seconds() - cpu_before
                results[row, connections] = result
        rss = {name: process.rss_mb() for name, process in processes.items()}
    finally:
        for process in processes.values():
            process.stop()

    by_name = {server.name: server for server in SERVERS}
    print(f"\nwrk, 1 thread, {args.duration:g} s per cell, loopback, one server process each; "
          f"ratio = req/s / {BASELINE} req/s at the same connection count; cpu us = the "
          f"server's CPU time per request\n")
    header = (f"{'row':<11} {'conns':>5} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'ratio':>6} {'cpu us':>6} {'fails':>5}  parser; logging")
    print(header)
    print("-" * (len(header) + 40))
    for connections in args.connections:
        base = results[BASELINE, connections].rps
        for row, name, _, _, _ in TARGETS:
            result = results[row, connections]
            server = by_name[name]
            print(f"{row:<11} {connections:>5} {result.rps:>8.0f} {result.p50_ms:>7.2f} "
                  f"{result.p99_ms:>7.2f} {result.rps / base if base else float('nan'):>5.2f}x "
                  f"{result.cpu_us:>6.1f} {result.failures:>5}  {server.parser}; {server.logging}")
    print("\nRSS after the load: " + ", ".join(f"{name} {mb:.1f} MB" for name, mb in rss.items()))

    print("\ntargets (replcheck serve with its default settings):")
    if 8 in args.connections:
        ratio = results["status", 8].rps / results[BASELINE, 8].rps
        print(f"  status at 8 connections >= {MIN_RATIO}x bare httptools (goal {GOAL_RATIO}x): "
              f"{ratio:.2f}x, {_verdict(ratio >= MIN_RATIO)}"
              f"{'' if ratio < GOAL_RATIO else ' (goal met too)'}")
        cpu_ratio = results[BASELINE, 8].cpu_us / results["status", 8].cpu_us
        print(f"    the same by CPU per request (steadier on a busy machine): {cpu_ratio:.2f}x")
    if 64 in args.connections:
        p99 = results["status", 64].p99_ms
        print(f"  status p99 at 64 connections <= {MAX_P99_MS:g} ms: {p99:.2f} ms, "
              f"{_verdict(p99 <= MAX_P99_MS)}")
    print(f"  RSS after the load < {MAX_RSS_MB:g} MB: {rss['serve']:.1f} MB, "
          f"{_verdict(rss['serve'] < MAX_RSS_MB)}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "generator": "wrk",
            "rss_mb": rss,
            "cells": [{"row": row, "connections": c, "rps": r.rps, "p50_ms": r.p50_ms,
                       "p99_ms": r.p99_ms, "cpu_us": r.cpu_us, "failures": r.failures}
                      for (row, c), r in results.items()],
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
