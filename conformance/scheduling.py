"""``--concurrency N``: checks and generated requests in flight at once, with the run's order kept.

With N = 1 (the default) ``run_checks`` runs the checks one after another, as it always did.
With N > 1 each check runs as its declared sharing says (``conformance.checks.registry``):

- ``parallel`` checks run on a pool of N worker threads, beside each other;
- an ``alone`` check waits until nothing is in flight, runs, and only then is anything after
  it started: it sees what a sequential run has done before it, and nothing else meanwhile;
- ``in-order`` checks (those that change the target's state) run in one *state lane*, one after
  another in the run's order, each once every check before it in that order has finished (so
  the target they change is the one a sequential run would show them, and everything judged
  before a state change was answered before it). Checks after a state change may run beside
  it: in a sequential run they come after it too.

A check may fan out (``fan_out``): the fuzzer's generated requests, and the independent
refusals a check lists (``conformance.checks.fan``). Requests that cannot change a conformant
target's state go to the pool; those that may go to the lane, in order, each once every check
before it has finished and the check's own earlier reads of the target's state were
answered; an ``in-order`` check waits until every earlier check that fans out has handed all
its requests in, so the lane keeps a sequential run's order of state changes exactly. Work
that needs nothing from the target (drawing the fuzzer's cases) starts as the checks start
(``Check.prepare``).

Whatever the threads' timing, the record is a sequential run's: results are reported (to the
listener and in the result list) in the run's order, and every exchange is judged and recorded
in the run's order (``conformance.recording_order``), a check's as soon as it and every check
before it have finished. Ctrl-C or SIGTERM stops the dispatching at once: the main thread
raises, requests not yet sent are refused by the client (its stop request), the workers are
daemon threads that are not waited for, and the runner cleans up as it always does. A check
that stops the run (unreachable target, an answer beyond the bounds) stops the dispatching,
and the client refuses every further request but cleanup.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from conformance.checks.registry import Check
from conformance.interruption import StopRequest, signal_name
from conformance.outcomes import CheckResult, Outcome
from conformance.recording_order import Entries, recording_into

if TYPE_CHECKING:
    from conformance.runner import Session

T = TypeVar("T")
#: A unit of work handed to ``fan_out``.
Work = Callable[[], T]

#: How often the main thread looks at the stop request while it waits (seconds); a check that
#: finishes wakes it at once.
_POLL_S = 0.05


class Pending(Generic[T]):
    """The outcome of a unit of work run elsewhere: ``result()`` waits for it and returns its
    value or raises its exception, in the thread that asks. Made with ``later``, the work runs
    in the first ``result()`` call instead (a sequential run: each request is sent when its
    answer is asked for, so one that stops the run stops it before the next is sent)."""

    def __init__(self, later: Callable[[], T] | None = None) -> None:
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._later = later

    def settle(self, work: Callable[[], T]) -> None:
        """Run ``work`` in the calling thread and keep its value or its exception."""
        try:
            self._value = work()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def result(self) -> T:
        later, self._later = self._later, None
        if later is not None:
            self.settle(later)
        self._done.wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)

    @property
    def error(self) -> BaseException | None:
        return self._error if self.done else None


@dataclass
class _Job:
    work: Callable[[], Any]
    pending: Pending[Any]
    entries: Entries
    #: Units that must have finished before this one starts.
    after: list[Pending[Any]] = field(default_factory=list)
    #: Units before this one in the run's order: what a state change it fans out waits for.
    before: list[Pending[Any]] = field(default_factory=list)


@dataclass
class _Context:
    scheduler: Scheduler
    entries: Entries
    #: The units this context fanned out that read the target's state, in order.
    readers: list[Pending[Any]] = field(default_factory=list)


_local = threading.local()


def _context() -> _Context | None:
    found: _Context | None = getattr(_local, "context", None)
    return found


@contextmanager
def _running(context: _Context | None) -> Iterator[None]:
    previous = _context()
    _local.context = context
    try:
        with recording_into(context.entries if context is not None else None):
            yield
    finally:
        _local.context = previous


def fan_out(
    work: Callable[[], T], *, changes_state: bool = False, reads_state: bool = False
) -> Pending[T]:
    """Run ``work`` (one request of a check that fans out) beside the others.

    Under a scheduler, work that may change the target's state goes to the state lane (in
    the order it is handed in) and starts once every check before this one in the run's order
    has finished and every earlier request of this check that reads the target's state
    (``reads_state``: an answer that depends on it, as a status read) has been answered; the
    rest goes to the pool. Its exchanges are recorded at the place of this
    call in the run's order. Without a scheduler (a sequential run), ``work`` runs when its
    result is asked for, in the order asked."""
    context = _context()
    if context is None:
        return Pending(work)
    pending: Pending[T] = Pending()
    after = list(context.readers) if changes_state else []
    if reads_state:
        context.readers.append(pending)
    context.scheduler.submit(
        work, pending, context.entries.nested(), lane=changes_state, after=after
    )
    return pending


class Scheduler:
    """A pool of worker threads and one state lane (a thread of its own)."""

    def __init__(self, workers: int) -> None:
        self._pool: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lane: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, args=(self._pool,), daemon=True)
            for _ in range(workers)
        ]
        self._threads.append(threading.Thread(target=self._serve, args=(self._lane,), daemon=True))
        for thread in self._threads:
            thread.name = f"replcheck-{'lane' if thread is self._threads[-1] else 'worker'}"
            thread.start()

    def close(self) -> None:
        """Let the threads end once their queues are empty (they are not waited for)."""
        for _ in self._threads[:-1]:
            self._pool.put(None)
        self._lane.put(None)

    def submit(
        self,
        work: Callable[[], Any],
        pending: Pending[Any],
        entries: Entries,
        *,
        lane: bool,
        after: list[Pending[Any]] | None = None,
        before: list[Pending[Any]] | None = None,
    ) -> None:
        job = _Job(work, pending, entries, after or [], before or [])
        (self._lane if lane else self._pool).put(job)

    def _serve(self, jobs: queue.SimpleQueue[_Job | None]) -> None:
        while (job := jobs.get()) is not None:
            for earlier in job.after:
                earlier.wait()
            with _running(_Context(self, job.entries, list(job.before))):
                job.pending.settle(job.work)

    @contextmanager
    def fanning_out(self, entries: Entries) -> Iterator[None]:
        """Let the calling thread's check fan out into this scheduler, recording into
        ``entries``."""
        with _running(_Context(self, entries)):
            yield


@contextmanager
def scheduler(workers: int) -> Iterator[Scheduler]:
    opened = Scheduler(workers)
    try:
        yield opened
    finally:
        opened.close()


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
    """One check whose requests fan out, outside a scheduled run (the pytest plugin runs one
    check per test): its requests go out ``--concurrency`` at a time, recorded in order."""
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
        except KeyboardInterrupt:
            self._halt()
            self._replay()
            self._fill_interrupted()
            raise
        except BaseException:
            self._halt()
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

    def _halt(self) -> None:
        """No request but cleanup from here on: from workers still running a check."""
        self.session.client.halt()

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
