"""Run the fleet's targets N at a time, each in a worker process, and gather one ``FleetResult``.

Worker processes (``concurrent.futures.ProcessPoolExecutor``, *spawn* context: a fresh
interpreter, no state inherited from the parent's threads) keep the targets apart: a target that
hangs holds one slot until its own bounds end it, and one that crashes its process (a segfault, an
out-of-memory kill) costs only its own verdict (``no verdict``, named), not the others': the pool
is rebuilt and the targets not yet finished are run again one at a time (so the one that kills
its worker again is the only one running, and is named).

Ctrl-C (or SIGTERM/SIGHUP) in the parent: the targets not started are not run; the running ones
are interrupted as single runs are (each worker's run has its own signal handlers: it stops
before any further request but cleanup, removes what it provisioned, and reports what it judged),
and the fleet reports ``interrupted`` for them. Workers ignore the signals between runs, so an
idle worker is never killed by one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from replcheck.conformance.fleet.inventory import FleetTarget
from replcheck.conformance.fleet.result import FleetResult, TargetOutcome
from replcheck.conformance.fleet.running import EmbeddedJudge, no_verdict, run_target

#: ``--parallel`` bounds: at least one target at a time, at most 64 worker processes.
MIN_PARALLEL = 1
MAX_PARALLEL = 64

#: Called with each target's outcome as it ends (the terminal's progress lines).
OnDone = Callable[[TargetOutcome], None]


def _quiet_worker() -> None:
    """Between runs a worker ignores the stop signals (the run installs its own)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_quiet_worker,
    )


def _signal_workers(pool: ProcessPoolExecutor, signum: int) -> None:
    """Pass a stop signal on to every worker (a Ctrl-C in a terminal reaches them already; a
    SIGTERM sent to the parent alone does not)."""
    processes = getattr(pool, "_processes", None) or {}
    for pid in list(processes):
        try:
            os.kill(pid, signum)
        except OSError:
            continue


class Interrupted(Exception):
    """The fleet was stopped by a signal; ``result`` holds what was judged."""

    def __init__(self, signum: int, result: FleetResult) -> None:
        super().__init__(signum)
        self.signum = signum
        self.result = result


def run_fleet(
    targets: Sequence[FleetTarget],
    parallel: int = 1,
    on_done: OnDone | None = None,
    shard: tuple[int, int] | None = None,
    embedded: EmbeddedJudge | None = None,
) -> FleetResult:
    """Judge ``targets`` ``parallel`` at a time; the outcomes in ``targets``' order.
    ``embedded`` judges broken servers and reference topologies (``running.EmbeddedJudge``).

    Raises ``Interrupted`` (its ``result`` partial) when a stop signal arrived."""
    if not MIN_PARALLEL <= parallel <= MAX_PARALLEL:
        raise ValueError(f"parallel must be between {MIN_PARALLEL} and {MAX_PARALLEL}")
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    outcomes: dict[str, TargetOutcome] = {}
    done = on_done or (lambda outcome: None)
    for target in targets:
        if target.unset:  # named before any run: no worker needed
            outcomes[target.name] = no_verdict(target, target.no_verdict_sentence)
            done(outcomes[target.name])
    pending = [t for t in targets if t.name not in outcomes]
    stopped: int | None = None
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        stopped = _drive(pending, min(parallel, max(len(pending), 1)), outcomes, done, received,
                         embedded)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    result = FleetResult(
        [outcomes[t.name] for t in targets if t.name in outcomes],
        started_at=started_at, duration_s=time.perf_counter() - started, shard=shard,
    )
    if stopped is not None:
        raise Interrupted(stopped, result)
    return result


def _drive(pending: list[FleetTarget], workers: int, outcomes: dict[str, TargetOutcome],
           done: OnDone, received: list[int], embedded: EmbeddedJudge | None) -> int | None:
    """Run ``pending`` in a pool of ``workers``; the signal that stopped it, or None."""
    while pending:
        pool = _pool(workers)
        futures: dict[Future[TargetOutcome], FleetTarget] = {}
        try:
            futures = {pool.submit(run_target, t, embedded): t for t in pending}
            broken = _collect(futures, outcomes, done)
        except KeyboardInterrupt:
            signum = received[-1] if received else signal.SIGINT
            _stop(pool, futures, signum, outcomes, done)
            return signum
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if broken is None:
            return None
        if workers > 1:
            # Which of the running targets killed its worker cannot be told: run the
            # unfinished ones again one at a time, where the culprit is the only one running.
            workers = 1
        else:
            outcomes[broken.name] = no_verdict(
                broken, f"target {broken.name}: its worker process ended abruptly (crashed "
                "or was killed) before giving a verdict")
            done(outcomes[broken.name])
        pending = [t for t in pending if t.name not in outcomes]
    return None


def _collect(futures: dict[Future[TargetOutcome], FleetTarget],
             outcomes: dict[str, TargetOutcome], done: OnDone) -> FleetTarget | None:
    """Gather outcomes as they end; the target whose worker died, if one did (the first such
    future in submission order that was running)."""
    remaining = set(futures)
    while remaining:
        finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: futures[f].index):
            target = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                return _culprit(futures, outcomes) or target
            outcomes[target.name] = outcome
            done(outcome)
    return None


def _culprit(futures: dict[Future[TargetOutcome], FleetTarget],
             outcomes: dict[str, TargetOutcome]) -> FleetTarget | None:
    """The first unfinished target, in inventory order: with one worker, the one it held."""
    unfinished = [t for t in futures.values() if t.name not in outcomes]
    return min(unfinished, key=lambda t: t.index) if unfinished else None


def _stop(pool: ProcessPoolExecutor, futures: dict[Future[TargetOutcome], FleetTarget],
          signum: int, outcomes: dict[str, TargetOutcome], done: OnDone) -> None:
    """Cancel what has not started, interrupt what runs, and keep what they report."""
    for future in futures:
        future.cancel()
    _signal_workers(pool, signum)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: still clean up
    try:
        for future, target in sorted(futures.items(), key=lambda item: item[1].index):
            if future.cancelled() or target.name in outcomes:
                continue
            try:
                outcomes[target.name] = future.result()
            except (BrokenProcessPool, KeyboardInterrupt):
                continue
            done(outcomes[target.name])
    finally:
        signal.signal(signal.SIGINT, previous)
