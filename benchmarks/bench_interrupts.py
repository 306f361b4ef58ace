"""Ctrl-C at random moments: how often a signal is swallowed, and how fast the run stops.

    .venv/bin/python benchmarks/bench_interrupts.py [--trials 28] [--seed 1]

Each trial starts ``replcheck run --profile full`` against a fresh reference server behind a
recording proxy, sends SIGINT at a random moment of the run (uniform over the duration of a
calibration run), and records what happened. Two series:

- ``whole run``: the moment anywhere in a whole full-profile run;
- ``fuzz then reindex``: ``-k "SCHEMA-RESPONSES or REINDEX-SUCCESS"``, the series of the issue
  (a Ctrl-C in the fuzz phase, followed by successful reindex calls);
- ``fuzz generation``: the same with ``--max-examples 100``, so that most signals land while
  Hypothesis draws the cases (where a KeyboardInterrupt used to be dropped).

A signal that lands after the run printed its verdict tests nothing, nor one that lands before
it printed its seed (Python is still importing: it dies of the KeyboardInterrupt, nothing was
sent); such trials are counted apart. A trial counts as *swallowed* when
the run did not exit 130 or sent a request other than cleanup more than 50 ms after the
signal (a request already on its way may arrive just after).
Also reported: the time from the signal to the exit, and leftover provisioned policies/tokens.
Target: no trial swallowed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from asgi_serving import serve_asgi
from interrupt_support import SignallingProxy, is_cleanup, start_cli

from replcheck.reference_server.app import create_app
from replcheck.reference_server.config import ServerConfig

ROOT_TOKEN = "bench-interrupts-root-token"
#: The verdict lines: once one is printed, the run is over and a signal tests nothing.
VERDICTS = ("CONFORMANT", "NOT CONFORMANT", "UNSUPPORTED", "INCOMPLETE", "INTERRUPTED")
#: A request recorded this long after the signal was sent after it (not merely in flight).
IN_FLIGHT_S = 0.05

SERIES = {
    "whole run": (),
    "fuzz then reindex": ("-k", "SCHEMA-RESPONSES or REINDEX-SUCCESS"),
    # Generation dominates: most signals land while Hypothesis draws the cases.
    "fuzz generation": ("-k", "SCHEMA-RESPONSES or REINDEX-SUCCESS", "--max-examples", "100"),
}


class Recorder(SignallingProxy):
    """The proxy, recording when each request arrived; it never signals by itself."""

    def __init__(self, app: object) -> None:
        super().__init__(app, lambda *_: False)
        self.times: list[float] = []

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "http":
            self.times.append(time.monotonic())
        await super().__call__(scope, receive, send)


def _trial(args: tuple[str, ...], seed: int, at: float | None) -> dict[str, object]:
    app = create_app(ServerConfig(root_token=ROOT_TOKEN, reindex_stage_seconds=0.002))
    core = app.state.vault
    tokens = len(core.tokens)
    recorder = Recorder(app)
    with serve_asgi(recorder) as url:
        started = time.monotonic()
        process = start_cli(
            "--url", url, "--token", ROOT_TOKEN, "--profile", "full", "--seed", str(seed), *args
        )
        signalled: list[float] = []

        def interrupt() -> None:
            if process.poll() is None:
                signalled.append(time.monotonic())
                os.kill(process.pid, signal.SIGINT)

        timer = threading.Timer(at, interrupt) if at is not None else None
        if timer:
            timer.start()
        lines: list[tuple[float, str]] = []
        for raw in process.stdout:  # type: ignore[union-attr]
            lines.append((time.monotonic(), raw.decode(errors="replace")))
        process.communicate(timeout=300)
        ended = time.monotonic()
        if timer:
            timer.cancel()
    policies = [n for n in core.policies.names() if n.startswith("replcheck-")]
    result: dict[str, object] = {
        "code": process.returncode,
        "duration": ended - started,
        "leftover_policies": len(policies),
        "leftover_tokens": len(core.tokens) - tokens,
        "signalled": bool(signalled),
    }
    verdicts = [t for t, line in lines if line.startswith(VERDICTS)]
    began = [t for t, line in lines if "seed:" in line]
    result["before"] = bool(signalled) and (not began or signalled[0] < began[0])
    if signalled and verdicts and verdicts[0] < signalled[0]:
        signalled.clear()  # the run had ended (verdict printed) before the signal: no trial
    result["signalled"] = bool(signalled) and not result["before"]
    if signalled:
        late = [
            (m, p)
            for (m, p), t in zip(recorder.requests, recorder.times, strict=True)
            if t > signalled[0] + IN_FLIGHT_S and not is_cleanup(m, p)
        ]
        result["late_requests"] = len(late)
        result["stop_s"] = ended - signalled[0]
        result["swallowed"] = process.returncode != 130 or bool(late)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=28)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--series", choices=list(SERIES), action="append", help="default: all")
    options = parser.parse_args()
    os.environ["PYTHONUNBUFFERED"] = "1"  # output lines carry the time they were printed
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background (``cmd &``), the shell made SIGINT ignored, and children
        # would inherit that until their own handler is in place: give them the default.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    draw = random.Random(options.seed)
    worst = 0
    for name in options.series or list(SERIES):
        args = SERIES[name]
        calibration = _trial(args, options.seed, None)
        duration = float(calibration["duration"])  # type: ignore[arg-type]
        outcomes = []
        for _ in range(options.trials):
            outcomes.append(_trial(args, options.seed, draw.uniform(0.2, duration)))
        fired = [o for o in outcomes if o["signalled"]]
        before = [o for o in outcomes if o["before"]]
        quiet_before = all(int(o["code"]) != 0 for o in before)  # type: ignore[call-overload]
        swallowed = sum(1 for o in fired if o["swallowed"])
        went_on = sum(1 for o in fired if o["late_requests"])
        stops = [float(o["stop_s"]) for o in fired]  # type: ignore[arg-type]
        codes = sorted({int(o["code"]) for o in outcomes})  # type: ignore[call-overload]
        print(
            f"{name}: calibration {duration:.1f} s; {len(fired)} of {options.trials} signals "
            f"landed during the run ({len(before)} before it began, all stopping it: "
            f"{quiet_before}, the rest after its verdict); swallowed {swallowed} "
            f"(went on sending in {went_on}); exit codes "
            f"{codes}; stop after the signal "
            f"median {statistics.median(stops):.2f} s, max {max(stops):.2f} s; leftover "
            f"policies {sum(int(o['leftover_policies']) for o in outcomes)}, tokens "  # type: ignore[call-overload]
            f"{sum(int(o['leftover_tokens']) for o in outcomes)}",  # type: ignore[call-overload]
            flush=True,
        )
        worst = max(worst, 1 if swallowed else 0)
    return worst


if __name__ == "__main__":
    sys.exit(main())
