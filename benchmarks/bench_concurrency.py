"""``--concurrency`` against a slow target: the full run at 1 and at 8 requests in flight.

    .venv/bin/python benchmarks/bench_concurrency.py [--delay-ms 50] [--seed 1] [--concurrency 8]

A reference server (set up as the embedded one) runs in this process behind a TCP proxy that
delays every answer by ``--delay-ms`` (``tests/delay_proxy.py``; both on 127.0.0.1, free
ports). ``replcheck run --profile full --url <proxy>`` runs twice with the same seed, once with
``--concurrency 1`` and once with ``--concurrency 8``, each against a fresh server. Printed:
requests (counted by the server), wall seconds, the speed-up, and whether every check's
verdict is identical. Target (issue 12, item 3): at least 4x with identical verdicts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from replcheck.conformance.engine.runner import EMBEDDED_REINDEX_STAGE_SECONDS
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

# After the imports above: tests/conformance must not stand for the conformance package.
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))

from bench_suite import RequestCounter
from delay_proxy import DelayProxy

ROOT_TOKEN = "bench-concurrency-root-token"
BIN = Path(sys.executable).parent


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    """Every check's outcome, by requirement and check name."""
    return {
        f"{requirement['id']}::{check['name']}": check["outcome"]
        for requirement in report.get("requirements", [])
        for check in requirement["checks"]
    }


def measure(concurrency: int, delay_s: float, seed: int, workdir: Path) -> dict[str, Any]:
    """One full run through the delay proxy; wall time around the whole command."""
    server = EmbeddedServer(
        ServerConfig(root_token=ROOT_TOKEN, reindex_stage_seconds=EMBEDDED_REINDEX_STAGE_SECONDS),
        wrap=RequestCounter,
    ).start()
    counter = server.served
    assert isinstance(counter, RequestCounter)
    report = workdir / f"concurrency-{concurrency}.json"
    try:
        with DelayProxy(server.url, delay_s) as proxy:
            started = time.perf_counter()
            done = subprocess.run(
                [
                    str(BIN / "replcheck"), "run", "--url", proxy.url, "--token", ROOT_TOKEN,
                    "--profile", "full", "--seed", str(seed),
                    "--concurrency", str(concurrency), "--json", str(report),
                ],
                capture_output=True, text=True, check=False, timeout=900,
            )
            seconds = time.perf_counter() - started
    finally:
        server.stop()
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
    document = json.loads(report.read_text()) if report.exists() else {}
    return {
        "concurrency": concurrency,
        "seconds": seconds,
        "requests": counter.count,
        "recorded": document.get("requests_sent", 0),
        "verdict": document.get("verdict", f"exit {done.returncode}"),
        "verdicts": verdicts(document),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    delay_s = args.delay_ms / 1000
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure(n, delay_s, args.seed, Path(tmp)) for n in (1, args.concurrency)]
    print(f"\nConcurrency benchmark: every answer {args.delay_ms:g} ms late (TCP proxy), "
          f"--profile full --seed {args.seed}")
    print(f"{'run':<24} {'requests':>9} {'recorded':>9} {'wall s':>8}  verdict")
    for run in runs:
        print(f"{'--concurrency ' + str(run['concurrency']):<24} {run['requests']:9d} "
              f"{run['recorded']:9d} {run['seconds']:8.2f}  {run['verdict']}")
    sequential, parallel = runs
    ratio = sequential["seconds"] / parallel["seconds"]
    same = sequential["verdicts"] == parallel["verdicts"] and bool(sequential["verdicts"])
    print(f"\nspeed-up --concurrency {args.concurrency} vs 1: {ratio:.2f}x "
          f"(target >= 4x: {'met' if ratio >= 4 else 'MISSED'})")
    print(f"verdicts of all {len(sequential['verdicts'])} checks identical: "
          f"{'yes' if same else 'NO'}")
    if not same:
        for name, outcome in sequential["verdicts"].items():
            other = parallel["verdicts"].get(name)
            if other != outcome:
                print(f"  {name}: {outcome} at 1, {other} at {args.concurrency}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
