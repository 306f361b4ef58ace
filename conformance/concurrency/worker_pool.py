"""The threads behind ``--concurrency``: a pool of workers, one state lane, and ``fan_out``.

``Scheduler`` runs units of work on N worker threads and on one *state lane* (a thread of its
own, taking its work strictly in the order it was handed in); a unit may wait for others
(``after``) before it starts. ``fan_out`` hands one unit to the scheduler of the calling
thread, recording its exchanges at the place of the call in the run's order
(``replcheck.conformance.concurrency.recording_order``); without a scheduler (a sequential run) the
unit runs when its result is asked for. What runs where, and in which order, is
``replcheck.conformance.engine.scheduling``'s business; this module knows nothing of checks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from replcheck.conformance.concurrency.recording_order import Entries, recording_into

T = TypeVar("T")
#: A unit of work handed to ``fan_out``.
Work = Callable[[], T]


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

    def cancel(self, error: BaseException) -> None:
        """Drop the work not yet started; whoever waits for it gets ``error``."""
        for jobs in (self._pool, self._lane):
            while True:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    jobs.put(None)
                    break
                job.pending.settle(raising(error))

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


def raising(error: BaseException) -> Callable[[], Any]:
    def fail() -> Any:
        raise error

    return fail
