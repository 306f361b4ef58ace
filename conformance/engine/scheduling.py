"""``--concurrency N``: checks and generated requests in flight at once, with the run's order kept.

With N = 1 (the default) ``run_checks`` runs the checks one after another, as it always did.
With N > 1 each check runs as its declared sharing says (``replcheck.conformance.checks.registry``):

- ``parallel`` checks run on a pool of N worker threads, beside each other;
- an ``alone`` check waits until nothing is in flight, runs, and only then is anything after
  it started: it sees what a sequential run has done before it, and nothing else meanwhile;
- ``in-order`` checks (those that change the target's state) run in one *state lane*, one after
  another in the run's order, each once every check before it in that order has finished (so
  the target they change is the one a sequential run would show them, and everything judged
  before a state change was answered before it). Checks after a state change may run beside
  it: in a sequential run they come after it too.

A check may fan out (``worker_pool.fan_out``): the fuzzer's generated requests, and the independent
refusals a check lists (``replcheck.conformance.checks.fan``). Requests that cannot change a
conformant target's state go to the pool; those that may go to the lane, in order, each once every
check before it has finished and the check's own earlier reads of the target's state were answered;
an ``in-order`` check waits until every earlier check that fans out has handed all its requests in,
so the lane keeps a sequential run's order of state changes exactly. Work that needs nothing from
the target (drawing the fuzzer's cases) starts as the checks start (``Check.prepare``).

Whatever the threads' timing, the record is a sequential run's: results are reported (to the
listener and in the result list) in the run's order, and every exchange is judged and recorded
in the run's order (``replcheck.conformance.concurrency.recording_order``), a check's as soon as it
and every check before it have finished. Ctrl-C or SIGTERM stops the dispatching at once: the main
thread raises, requests not yet sent are refused by the client (its stop request), the workers are
daemon threads that are not waited for, and the runner cleans up as it always does. A check that
stops the run (unreachable target, an answer beyond the bounds) stops the dispatching, and the
client refuses every further request but cleanup.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from replcheck.conformance.checks.context import RunState
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.concurrency.interruption import StopRequest, signal_name
from replcheck.conformance.concurrency.recording_order import Entries
from replcheck.conformance.concurrency.worker_pool import Pending, Scheduler, scheduler
from replcheck.conformance.engine.progress import Listener
from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import RecordingClient


class Session(Protocol):
    """What the dispatch needs of the session (``engine.session.Session`` is one)."""

    settings: Settings
    state: RunState
    client: RecordingClient
    listener: Listener

    def run_check(self, item: Check) -> CheckResult: ...

    def judge_check(self, item: Check) -> CheckResult: ...

    def would_run(self, item: Check) -> bool: ...

#: How often the main thread looks at the stop request while it waits (seconds); a check that
#: finishes wakes it at once.
_POLL_S = 0.05


@dataclass
class _Unit:
    item: Check
    entries: Entries = field(default_factory=Entries)
    pending: Pending[CheckResult] | None = None
    reported: bool = False


def run_checks(session: Session, checks: list[Check], results: list[CheckResult]) -> None:
    """Run ``checks`` (in the run's order), appending their results to ``results`` in that
    order; see the module docstring. On an interruption ``results`` holds one result per
    check (not run for those that had not finished) before the ``KeyboardInterrupt`` goes on."""
    workers = session.settings.workers
    if workers <= 1:
        for item in checks:
            results.append(session.run_check(item))
        return
    for item in checks:
        if item.prepare is not None and session.would_run(item):
            item.prepare(session.state)
    with scheduler(workers) as opened:
        _Dispatch(session, opened, checks, results).run()



def run_fanning_out(session: Session, item: Check) -> CheckResult:
    """One check outside a scheduled run (the pytest plugin runs one check per test): the
    requests it fans out go ``--concurrency`` at a time, recorded in order."""
    entries = Entries()
    with scheduler(session.settings.workers) as opened:
        try:
            with opened.fanning_out(entries):
                return session.judge_check(item)
        finally:
            entries.replay()


class _Dispatch:
    """One scheduled run of the checks: hands them out, reports them in order."""

    def __init__(
        self,
        session: Session,
        opened: Scheduler,
        checks: list[Check],
        results: list[CheckResult],
    ) -> None:
        self.session = session
        self.scheduler = opened
        self.stop: StopRequest = session.client.stop
        self.units = [_Unit(item) for item in checks]
        self.results = results
        #: Set whenever a check finishes, so the dispatcher looks at once.
        self._changed = threading.Event()

    def run(self) -> None:
        try:
            for unit in self.units:
                self._dispatch(unit)
            self._wait(lambda: all(u.pending is not None and u.pending.done for u in self.units))
        except KeyboardInterrupt as exc:
            self._halt(exc)
            self._replay()
            self._fill_interrupted()
            raise
        except BaseException as exc:
            self._halt(exc)
            raise
        self._replay()

    def _dispatch(self, unit: _Unit) -> None:
        sharing = unit.item.sharing
        if sharing == "alone":
            self._wait(self._nothing_in_flight)
        elif sharing == "in-order":
            # Every earlier check that fans out has handed its requests in: the lane keeps
            # a sequential run's order of state changes.
            self._wait(lambda: self._finished(u for u in self._before(unit) if u.item.fans_out))
        unit.pending = Pending()
        # A state change starts once everything before it in the run's order was answered:
        # what they judged is the target's state as a sequential run leaves it for them.
        after = [u.pending for u in self._before(unit) if u.pending is not None]
        self.scheduler.submit(
            self._work(unit),
            unit.pending,
            unit.entries,
            lane=sharing == "in-order",
            after=after if sharing == "in-order" else [],
            before=after if unit.item.fans_out else [],
        )
        if sharing == "alone":
            self._wait(lambda: self._finished([unit]))

    def _work(self, unit: _Unit) -> Callable[[], CheckResult]:
        def work() -> CheckResult:
            try:
                return self.session.judge_check(unit.item)
            finally:
                self._changed.set()

        return work

    def _before(self, unit: _Unit) -> list[_Unit]:
        return self.units[: self.units.index(unit)]

    def _started(self) -> list[_Unit]:
        return [u for u in self.units if u.pending is not None]

    def _nothing_in_flight(self) -> bool:
        return self._finished(self._started())

    @staticmethod
    def _finished(units: Any) -> bool:
        return all(u.pending is not None and u.pending.done for u in units)

    def _wait(self, ready: Callable[[], bool]) -> None:
        """Wait until ``ready()``, reporting finished checks in order, and stopping at once on
        a signal (the stop request) or on a check that stopped the run."""
        while True:
            self._report_finished()
            if ready():
                return
            self.stop.check()
            # Judged while waiting, never before handing out what is ready to run.
            self._replay_reported()
            self._changed.wait(_POLL_S)
            self._changed.clear()

    def _report_finished(self) -> None:
        """Hand finished results to the listener and ``results``, in the run's order; a check
        that stopped the run (unreachable target, a signal) raises here, in the main thread."""
        for unit in self.units:
            if unit.reported:
                continue
            if unit.pending is None or not unit.pending.done:
                return
            result = unit.pending.result()  # raises what stopped the run
            unit.reported = True
            self.results.append(result)
            self.session.listener.check_finished(result)

    def _replay_reported(self) -> None:
        """Judge and record the exchanges of the checks reported so far, in the run's order,
        while later checks are still in flight (each unit's entries are replayed once)."""
        for unit in self.units:
            if not unit.reported:
                return
            unit.entries.replay()

    def _halt(self, error: BaseException) -> None:
        """No request but cleanup from here on: from workers still running a check; work not
        yet started is dropped."""
        self.session.client.halt()
        self.scheduler.cancel(error)

    def _replay(self) -> None:
        """Judge and record every exchange of the finished (or stopped) checks, in order."""
        for unit in self.units:
            unit.entries.replay()

    def _fill_interrupted(self) -> None:
        """One result per check: what finished, and *not run* for the rest (interrupted)."""
        signum = self.stop.signum or signal.SIGINT
        reason = f"the run was interrupted ({signal_name(signum)}) before this check"
        del self.results[:]
        for unit in self.units:
            pending = unit.pending
            if pending is not None and pending.done and pending.error is None:
                self.results.append(pending.result())
            else:
                item = unit.item
                self.results.append(
                    CheckResult(item.requirement, item.name, Outcome.NOT_RUN, reason)
                )
