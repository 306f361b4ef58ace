"""Hostile targets: how long ``replcheck run`` takes to give up on each, and its peak memory.

    .venv/bin/python benchmarks/bench_hostile_targets.py [--client-timeout 3s]

Each case is a raw-socket server on 127.0.0.1 (``tests/hostile_servers.py``): a 200 MB status
body, a ~1 MB gzip bomb (1 GiB inflated), a body dribbled a byte every 0.5 s, JSON nested 1,000
levels deep, 340,000 empty objects within the size cap, and 1 MiB in every answer. The run is a
subprocess with default settings but ``--client-timeout``; its peak RSS is ``VmHWM``.
Targets (issue 9): exit 2 with one sentence, within the deadline, under 500 MB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile_servers import (
    deep_json,
    dribble,
    gzip_bomb,
    gzip_bombed,
    hostile,
    huge_body,
    large_every_time,
    many_values,
    run_cli,
)

CASES = {
    "200 MB status body": huge_body,
    "gzip bomb": gzip_bombed,
    "dribbled body": dribble,
    "JSON nested 1,000 deep": deep_json,
    "340,000 empty objects": many_values,
    "1 MiB in every answer": large_every_time,
}
MAX_RSS_MB = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-timeout", default="3s")
    options = parser.parse_args()
    gzip_bomb()  # built once, before any timing
    worst = 0
    for name, behaviour in CASES.items():
        with hostile(behaviour()) as url:
            run = run_cli(
                "--url", url, "--token", "hvs.hostile", "--seed", "1",
                "--client-timeout", options.client_timeout, timeout_s=300,
            )  # fmt: skip
        lines = [line for line in run.err.splitlines() if line.strip()]
        ok = run.code == 2 and len(lines) == 1 and run.peak_rss_mb < MAX_RSS_MB
        worst = max(worst, 0 if ok else 1)
        print(
            f"{name}: exit {run.code} in {run.seconds:.2f} s, peak RSS {run.peak_rss_mb:.0f} MB"
            f"{'' if ok else '  <-- MISSES THE TARGET'}\n    {lines[-1] if lines else run.err}",
            flush=True,
        )
    return worst


if __name__ == "__main__":
    sys.exit(main())
