"""Fleet benchmark: ``replcheck fleet`` over 50 single-cluster targets at ``--parallel`` 1, 4, 8.

    .venv/bin/python benchmarks/bench_fleet.py [--targets 50] [--parallel 1 4 8] [--examples 5]

The inventory mixes embedded reference servers and deliberately broken ones (every other target
is a broken server proven with the safe profile, taken in the zoo's order), all with the safe
profile, a fixed seed and ``--examples`` generated cases per operation. Each fleet is a
``replcheck fleet`` child process; measured per ``--parallel``:

* wall time and targets per minute (target: 50 targets in at most 2 minutes on 2 cores);
* peak memory: the largest sum of the RSS of the ``replcheck fleet`` process and all its
  descendants (the worker processes, each with its embedded servers), sampled every 0.1 s from
  /proc (target: under 1 GB);
* the verdicts: each target's verdict and failed ids from the fleet's JSON report, compared
  with the same target judged alone, one after another in this process (``run_target``, the
  function behind ``replcheck run``'s engine call for each kind); every difference is printed
  and fails the benchmark (exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPLCHECK = str(Path(sys.executable).with_name("replcheck"))
TARGET_S = 120.0
RSS_TARGET_MB = 1024.0


def inventory(count: int, examples: int) -> str:
    from replcheck.reference_server.broken import ZOO

    broken = [b for b in ZOO if b.profile == "safe" and not b.settings]
    lines = [f"defaults: {{profile: safe, max_examples: {examples}, seed: 7}}", "targets:"]
    for i in range(count):
        if i % 2 == 0:
            lines += [f"  - name: ref-{i:02d}", "    embedded: true", "    tags: [reference]"]
        else:
            server = broken[(i // 2) % len(broken)]
            lines += [f"  - name: broken-{i:02d}-{server.name}", "    embedded: true",
                      f"    break: {server.name}", "    tags: [broken]"]
    return "\n".join(lines) + "\n"


def _tree_rss_kb(root: int) -> int:
    """The RSS of ``root`` and every descendant (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields.get("PPid", "0").strip())
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree = {root}
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(rss.get(pid, 0) for pid in tree)


def fleet(path: Path, parallel: int, report: Path) -> tuple[float, float, int]:
    """(wall seconds, peak tree RSS in MB, exit status) of one ``replcheck fleet``."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [REPLCHECK, "fleet", str(path), "--parallel", str(parallel), "--json", str(report)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]

    def sample() -> None:
        while child.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(child.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    sampler.join()
    return time.perf_counter() - started, peak[0] / 1024, code


def verdicts(report: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    document = json.loads(report.read_text(encoding="utf-8"))
    return {
        t["name"]: (t["verdict"], tuple(sorted(r for r, label in t["outcomes"].items()
                                               if label == "failed")))
        for t in document["targets"]
    }


def one_by_one(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    from replcheck.conformance.cli.fleet_embedded import judge, resolve
    from replcheck.conformance.fleet.inventory import load
    from replcheck.conformance.fleet.running import run_target

    out = {}
    for target in load(path, os.environ, resolve).targets:
        outcome = run_target(target, judge)
        failed = tuple(sorted(r for r, label in outcome.outcomes.items() if label == "failed"))
        out[target.name] = (outcome.verdict, failed)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args()
    worst = 0
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        path = Path(folder) / "fleet.yaml"
        path.write_text(inventory(args.targets, args.examples), encoding="utf-8")
        print(f"{args.targets} targets (half reference, half broken), safe profile, "
              f"max_examples {args.examples}, on {os.cpu_count()} CPU(s)")
        started = time.perf_counter()
        alone = one_by_one(path)
        alone_s = time.perf_counter() - started
        print(f"one by one in this process: {alone_s:.1f} s "
              f"({args.targets / alone_s * 60:.1f} targets/min)")
        print(f"{'parallel':>8} {'wall s':>8} {'targets/min':>12} {'peak RSS MB':>12} "
              f"{'exit':>5} {'verdicts':>9}")
        for parallel in args.parallel:
            report = Path(folder) / f"fleet-{parallel}.json"
            wall, peak, code = fleet(path, parallel, report)
            seen = verdicts(report)
            differ = sorted(name for name in alone if alone[name] != seen.get(name))
            same = "same" if not differ else f"{len(differ)} differ"
            print(f"{parallel:>8} {wall:>8.1f} {args.targets / wall * 60:>12.1f} {peak:>12.0f} "
                  f"{code:>5} {same:>9}", flush=True)
            for name in differ:
                print(f"   {name}: alone {alone[name]}, in the fleet {seen.get(name)}")
                worst = 1
            if wall > TARGET_S and args.targets == 50:
                print(f"   above the target of {TARGET_S:.0f} s for 50 targets")
            if peak > RSS_TARGET_MB:
                print(f"   above the memory target of {RSS_TARGET_MB:.0f} MB")
    return worst


if __name__ == "__main__":
    sys.exit(main())
