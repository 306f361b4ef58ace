"""Hostile clients against ``replcheck serve``: the figures behind the tests, printed.

    .venv/bin/python benchmarks/bench_hostile_clients.py [--uploads 8] [--slow 200] [--timeout 2]

``replcheck serve`` runs in its own process; memory is read from ``/proc/PID/status`` and the
log from its stderr. Three measurements (the same clients as ``tests/server/test_hostile_clients``,
whose helpers this script imports):

1. N concurrent 33 MiB chunked uploads to a path that reads its body: every answer, and the
   server's RSS before, at its peak (VmHWM) and after. Target: peak < 10 MB above before.
2. A framing fuzz (a few hundred malformed requests over raw sockets): the answers by status,
   and the tracebacks in the server's log. Target: 0.
3. M connections that send part of a request head and stop, with ``--read-header-timeout T``:
   whether a normal request is served while they are open, and when the server closed them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from server.hostile import chunked_upload, fuzz_cases, send_and_half_close
from server.serve_process import ServeProcess

MIB = 1024 * 1024
MAX_GROWTH_MB = 10.0


def measure_uploads(server: ServeProcess, uploads: int) -> bool:
    chunked_upload(server.port, 2 * MIB)  # warm up: a spooled body, then a refused one
    chunked_upload(server.port, 33 * MIB)
    before = server.memory_kb("VmRSS") / 1024
    with ThreadPoolExecutor(uploads) as pool:
        statuses = Counter(pool.map(lambda _: chunked_upload(server.port, 33 * MIB),
                                    range(uploads)))
    peak = server.memory_kb("VmHWM") / 1024
    after = server.memory_kb("VmRSS") / 1024
    met = peak - before < MAX_GROWTH_MB
    print(f"chunked uploads: {uploads} concurrent x 33 MiB -> answers {dict(statuses)}")
    print(f"  RSS before {before:.1f} MB, peak {peak:.1f} MB (+{peak - before:.1f}), "
          f"after {after:.1f} MB (+{after - before:.1f}); "
          f"target peak < +{MAX_GROWTH_MB:g} MB: {'met' if met else 'MISSED'}")
    return met


def measure_fuzz(server: ServeProcess) -> bool:
    cases = fuzz_cases()
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda raw: send_and_half_close(server, raw), cases))
    answers = Counter(r[9:12].decode() if r.startswith(b"HTTP/1.1 ") else
                      ("closed" if not r else "other") for r in responses)
    tracebacks = server.log().count("Traceback")
    print(f"framing fuzz: {len(cases)} malformed requests -> {dict(sorted(answers.items()))}")
    print(f"  tracebacks in the server log: {tracebacks}; target 0: "
          f"{'met' if tracebacks == 0 else 'MISSED'}")
    return tracebacks == 0 and "other" not in answers


def measure_slow_heads(server: ServeProcess, count: int, timeout: float) -> bool:
    opened = time.monotonic()
    slow = []
    for _ in range(count):
        sock = server.connect(timeout=timeout * 10)
        sock.sendall(b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(sock)
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        started = time.monotonic()
        served = client.get("/v1/sys/replication/status").status_code == 200
        served_ms = (time.monotonic() - started) * 1000
    closed_after: list[float] = []
    for sock in slow:
        try:
            if sock.recv(1) == b"":
                closed_after.append(time.monotonic() - opened)
        except ConnectionResetError:
            closed_after.append(time.monotonic() - opened)
        except TimeoutError:
            pass
        sock.close()
    print(f"slow heads: {count} connections stop in mid-head; --read-header-timeout {timeout:g}")
    print(f"  a normal request meanwhile: {'served' if served else 'NOT served'} "
          f"in {served_ms:.1f} ms")
    if closed_after:
        print(f"  closed by the server: {len(closed_after)}/{count}, "
              f"{min(closed_after):.2f}-{max(closed_after):.2f} s after the first was opened")
    else:
        print(f"  closed by the server: 0/{count}")
    return served and len(closed_after) == count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=2.0, help="--read-header-timeout")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        with ServeProcess(log, "--read-header-timeout", str(args.timeout)) as server:
            print(f"replcheck serve (pid {server.process.pid if server.process else '?'}), "
                  f"own process, 127.0.0.1:{server.port}\n")
            results = [
                measure_uploads(server, args.uploads),
                measure_fuzz(server),
                measure_slow_heads(server, args.slow, args.timeout),
            ]
    print("\nall targets met" if all(results) else "\nSOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
