"""Topology benchmark: ``replcheck serve --topology six-cluster`` beside today's single cluster.

    .venv/bin/python benchmarks/bench_topology.py [--duration 3] [--connections 8] [--runs 3]

Measures, each server in its own process on free 127.0.0.1 ports:

* start time: from launching ``replcheck serve --topology six-cluster`` to its banner, which
  it prints once all six clusters listen and the five links are set up through the API
  (interpreter start and imports included, as a user waits for them); the best and the worst
  of ``--runs`` starts; target at most 2 s;
* memory: the RSS of the six-cluster process after start and after the load; target under
  150 MB;
* status throughput and server CPU per request (the steadier figure on a shared machine):
  ``wrk`` drives ``GET /v1/sys/replication/status`` on cluster A (a primary
  with three secondaries) and on cluster D (a DR secondary of a performance secondary), and on
  a single-cluster ``replcheck serve``; the ratio says what serving a topology costs a status
  read (target: the ratio of today's single cluster, 1.0 within noise).

``wrk`` is set up as ``bench_server`` sets it up (``apt-get install -y wrk`` as root); without
it the throughput rows say SKIPPED and the start and memory figures are still measured.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import cpu_seconds, ensure_wrk, rss_mb, run_wrk, stop

REPLCHECK = str(Path(sys.executable).with_name("replcheck"))
START_TARGET_S = 2.0
RSS_TARGET_MB = 150.0


def _wait_listening(port: int) -> None:
    """The single server prints its banner before uvicorn accepts: wait until it does."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on port {port}")


class Process:
    """A ``replcheck serve`` child, its banner's API addresses by cluster."""

    def __init__(self, *flags: str) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [REPLCHECK, "serve", *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        self.ports: dict[str, int] = {}
        cluster = "single"
        for line in self.process.stdout:
            stripped = line.strip()
            if stripped.startswith("Cluster ") and not stripped.startswith("Cluster Address"):
                cluster = stripped.split()[1].rstrip(":")
            if "Api Address:" in line:
                self.ports[cluster] = int(line.rsplit(":", 1)[1])
            if stripped.startswith("$ export VAULT_ADDR") and "--topology" in flags:
                break  # printed once every cluster listens and the links are set up
            if stripped.startswith("Root Token:") and "--topology" not in flags:
                break
        for port in self.ports.values():
            _wait_listening(port)
        self.ready_seconds = time.perf_counter() - self.started

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop(self.process, timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="starts measured")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved load rounds")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    args = parser.parse_args(argv)

    starts = []
    for _ in range(args.runs):
        run = Process("--topology", "six-cluster", "--port", "0")
        starts.append(run.ready_seconds)
        run.stop()
    topology = Process("--topology", "six-cluster", "--port", "0")
    single = Process("--port", "0", "--dev-root-token", "root")
    ok = True
    try:
        rss_start = topology.rss_mb()
        rows: list[tuple[str, str]] = []
        if ensure_wrk(not args.no_install):
            path = "/v1/sys/replication/status"
            targets = (("single cluster (serve)", single, single.ports["single"]),
                       ("six-cluster A (perf primary)", topology, topology.ports["A"]),
                       ("six-cluster D (DR secondary of C)", topology, topology.ports["D"]))
            rps: dict[str, list[float]] = {label: [] for label, _, _ in targets}
            cpu: dict[str, list[float]] = {label: [] for label, _, _ in targets}
            # Interleaved rounds: the two cores are shared, so each target gets the same mix
            # of quiet and busy moments; CPU per request barely moves with other work.
            for _ in range(args.rounds):
                for label, process, port in targets:
                    before = process.cpu_seconds()
                    result = run_wrk(port, "GET", path, b"", args.connections, args.duration)
                    used = process.cpu_seconds() - before
                    rps[label].append(result.rps)
                    cpu[label].append(used / result.requests * 1e6 if result.requests else 0)
                    ok = ok and result.failures == 0
            base_rps = statistics.median(rps["single cluster (serve)"])
            base_cpu = statistics.median(cpu["single cluster (serve)"])
            for label, _, _ in targets:
                median_rps = statistics.median(rps[label])
                median_cpu = statistics.median(cpu[label])
                rows.append((label, f"{median_rps:8.0f} req/s (ratio {median_rps / base_rps:4.2f})"
                                    f"  {median_cpu:6.1f} us CPU/request "
                                    f"(ratio {median_cpu / base_cpu:4.2f})"))
        else:
            rows.append(("status throughput", "SKIPPED (wrk is not installed)"))
        rss_after = topology.rss_mb()
    finally:
        topology.stop()
        single.stop()

    start_ok = max(starts) <= START_TARGET_S
    rss_ok = max(rss_start, rss_after) < RSS_TARGET_MB
    print("replcheck serve --topology six-cluster (6 clusters, 5 links, one process)")
    print(f"  start to banner (linked), {args.runs} runs: best {min(starts):.2f} s, worst "
          f"{max(starts):.2f} s  (target <= {START_TARGET_S:.0f} s: "
          f"{'met' if start_ok else 'MISSED'})")
    print(f"  RSS after start {rss_start:.1f} MB, after the load {rss_after:.1f} MB  "
          f"(target < {RSS_TARGET_MB:.0f} MB: {'met' if rss_ok else 'MISSED'})")
    print(f"  GET /v1/sys/replication/status, wrk -t1 -c{args.connections} "
          f"-d{args.duration:g}s, median of {args.rounds} interleaved rounds:")
    for label, text in rows:
        print(f"    {label:36} {text}")
    return 0 if ok and start_ok and rss_ok else 1


if __name__ == "__main__":
    sys.exit(main())
