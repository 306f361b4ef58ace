"""Conformance-suite benchmark: replcheck's full run beside a plain schemathesis run.

    .venv/bin/python benchmarks/bench_suite.py [--max-examples 25] [--seed 1] [--budget 10]

Four runs, one after the other in this one invocation, with the same example budget and seed:

1. ``replcheck run --profile full`` with no URL: the embedded reference server, as ``make run``
   does (server and suite share one process).
2. ``replcheck run --profile full --url …`` against a fresh reference server hosted by this
   benchmark process (set up as the embedded one, so the two replcheck runs compare).
3. ``replcheck run --profile full --budget 10s`` (embedded): the best run in that time.
4. ``schemathesis run`` over the same bundled spec against another fresh reference server, with
   the root token as a header: the plain fuzzer, no Vault-aware checks.

Wall time is measured around each command; requests are counted by the server (runs 2 and 4)
or taken from replcheck's JSON report (runs 1 and 3). Targets (issue 12, item 2): run 1 sends
at least 500 requests within 10 s; per request, replcheck no slower than 1.5x the plain
schemathesis run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replcheck import spec
from replcheck.conformance.engine.runner import EMBEDDED_REINDEX_STAGE_SECONDS
from replcheck.reference_server.config import ServerConfig
from replcheck.reference_server.embedded import EmbeddedServer

ROOT_TOKEN = "bench-suite-root-token"
BIN = Path(sys.executable).parent


class RequestCounter:
    """Pure ASGI middleware that counts HTTP requests reaching the server."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.count += 1
        await self.app(scope, receive, send)


@dataclass
class Measurement:
    name: str
    seconds: float
    requests: int
    exit_code: int

    @property
    def ms_per_request(self) -> float:
        return 1000 * self.seconds / self.requests if self.requests else float("nan")


def _timed(argv: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
    return elapsed, done.returncode


def _counted_server() -> tuple[EmbeddedServer, RequestCounter]:
    server = EmbeddedServer(
        ServerConfig(root_token=ROOT_TOKEN, reindex_stage_seconds=EMBEDDED_REINDEX_STAGE_SECONDS),
        wrap=RequestCounter,
    )
    assert isinstance(server.served, RequestCounter)
    return server.start(), server.served


def run_embedded(max_examples: int, seed: int, workdir: Path) -> Measurement:
    report = workdir / "embedded.json"
    seconds, code = _timed([
        str(BIN / "replcheck"), "run", "--embedded", "--profile", "full", "--seed", str(seed),
        "--max-examples", str(max_examples), "--json", str(report),
    ])
    requests = json.loads(report.read_text())["requests_sent"] if report.exists() else 0
    return Measurement("replcheck run (embedded server)", seconds, requests, code)


def run_with_budget(budget: float, seed: int, workdir: Path) -> Measurement:
    """The embedded run asked for the best run in ``budget`` seconds (``--max-examples`` not
    given: time, not a count, ends the drawing)."""
    report = workdir / "budget.json"
    seconds, code = _timed([
        str(BIN / "replcheck"), "run", "--embedded", "--profile", "full", "--seed", str(seed),
        "--budget", f"{budget:g}s", "--json", str(report),
    ])
    document = json.loads(report.read_text()) if report.exists() else {}
    cases = sum(document.get("cases_per_operation", {}).values())
    return Measurement(f"replcheck run --budget {budget:g}s ({cases} cases)", seconds,
                       document.get("requests_sent", 0), code)


def run_against_url(max_examples: int, seed: int) -> Measurement:
    server, counter = _counted_server()
    try:
        seconds, code = _timed([
            str(BIN / "replcheck"), "run", "--url", server.url, "--token", ROOT_TOKEN,
            "--profile", "full", "--seed", str(seed), "--max-examples", str(max_examples),
        ])
    finally:
        server.stop()
    return Measurement("replcheck run --url (server in another process)", seconds,
                       counter.count, code)


def run_plain_schemathesis(max_examples: int, seed: int, workdir: Path) -> Measurement:
    spec_file = workdir / "openapi.json"
    spec_file.write_text(json.dumps(spec.bundled_openapi()))
    server, counter = _counted_server()
    try:
        seconds, code = _timed([
            str(BIN / "schemathesis"), "run", str(spec_file), "--url", server.url + "/v1",
            "--header", f"X-Vault-Token: {ROOT_TOKEN}", "--max-examples", str(max_examples),
            "--seed", str(seed), "--phases", "examples,coverage,fuzzing",
            "--no-shrink",
        ])
    finally:
        server.stop()
    return Measurement("schemathesis run (plain)", seconds, counter.count, code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results = [
            run_embedded(args.max_examples, args.seed, workdir),
            run_against_url(args.max_examples, args.seed),
            run_with_budget(args.budget, args.seed, workdir),
            run_plain_schemathesis(args.max_examples, args.seed, workdir),
        ]
    plain = results[-1]
    print(f"\nSuite benchmark: --max-examples {args.max_examples} --seed {args.seed}")
    print(f"{'run':<50} {'wall s':>8} {'requests':>9} {'ms/req':>8} {'vs plain':>9} {'exit':>5}")
    for result in results:
        ratio = result.ms_per_request / plain.ms_per_request
        print(f"{result.name:<50} {result.seconds:8.2f} {result.requests:9d} "
              f"{result.ms_per_request:8.2f} {ratio:8.2f}x {result.exit_code:5d}")
    embedded, by_url = results[0], results[1]
    print("\nTargets: full run >= 500 requests in <= 10 s; per request <= 1.5x the plain run")
    broad = embedded.requests >= 500 and embedded.seconds <= 10
    print(f"  full run (embedded) {embedded.requests} requests in {embedded.seconds:.1f} s: "
          f"{'met' if broad else 'MISSED'}")
    worst = max(embedded.ms_per_request, by_url.ms_per_request) / plain.ms_per_request
    print(f"  per request, worst of the two replcheck runs {worst:.2f}x plain: "
          f"{'met' if worst <= 1.5 else 'MISSED'}")
    budgeted = results[2]
    print(f"  --budget {args.budget:g}s: process wall {budgeted.seconds:.1f} s (the budget counts "
          "from the run's start, after the interpreter's own start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
