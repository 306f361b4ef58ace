"""Every benchmark in one command (``make bench``): the server load test, hostile clients
against the server, the suite run, ``--concurrency`` against a slow target, hostile targets
against the runner (time to give up, peak memory), Ctrl-C at random moments, and the server's
request bounds (log lines per malformed request, stalled-body close time), and a six-cluster
topology (start time, memory, status throughput beside a single cluster), and a fleet of 50
targets at --parallel 1, 4 and 8 (targets per minute, peak memory, verdicts as one by one).

Extra arguments are not taken; run a benchmark script directly to change its settings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_server.py", "bench_hostile_clients.py", "bench_suite.py",
              "bench_concurrency.py", "bench_hostile_targets.py", "bench_interrupts.py",
              "bench_request_bounds.py", "bench_topology.py", "bench_fleet.py")


def main() -> int:
    worst = 0
    for name in BENCHMARKS:
        print(f"=== {name}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / name)], check=False)
        worst = max(worst, done.returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main())
