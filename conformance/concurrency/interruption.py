"""Ctrl-C, SIGTERM and SIGHUP: the run stops before any further request, and cleans up whatever
happens.

SIGHUP is what a closed terminal, a dropped SSH session or a cancelled CI job sends: it is a
request to stop like the other two, not a reason to leave provisioned policies and tokens on the
target (its default action would end the process at once, skipping cleanup).

A ``KeyboardInterrupt`` alone is not enough: libraries on the way (Hypothesis, schemathesis)
catch it in places, and a swallowed one let a run go on to make successful reindex calls.
So a signal also sets a ``StopRequest`` that the recording client consults before every
request: once set, only cleanup requests (revoking what the run provisioned) go out.

- ``stopping_on_signals`` installs the run's handlers (main thread only; restored on exit):
  the first SIGINT/SIGTERM/SIGHUP sets the request and raises ``RunInterrupted`` (or, inside
  ``StopRequest.polled``, leaves the raising to the code's next ``check``); later ones only say
  that the run is already stopping, so cleanup is never cut short by a second or third Ctrl-C.
- ``shielded`` defers the three signals while cleanup requests are in flight (also where no run
  handler is installed, e.g. under pytest); a signal that arrived meanwhile is raised after.

Exit status of an interrupted run: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM,
129 for SIGHUP).

Output written after a SIGHUP may have nowhere to go (the terminal is gone: writes fail with
EIO); ``_say`` ignores that, and the run's other output is the CLI's concern.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The signals that stop a run (SIGHUP where the platform has it: not on Windows).
STOP_SIGNALS: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM) + (
    (signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()
)


class StopRequest:
    """Whether (and by which signal) the run was asked to stop; shared by the client."""

    def __init__(self) -> None:
        self.signum: int | None = None
        #: Inside ``polled``: the handler only sets the request, the code checks it.
        self.polling = False

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def set(self, signum: int) -> None:
        if self.signum is None:
            self.signum = signum

    def check(self) -> None:
        """Raise ``RunInterrupted`` if a signal asked the run to stop."""
        if self.signum is not None:
            raise RunInterrupted(self.signum)

    @contextmanager
    def polled(self) -> Iterator[None]:
        """A stretch of pure computation that calls ``check`` often (fuzz generation).

        Hypothesis runs callbacks (e.g. on every garbage collection) where an exception raised
        by a signal handler is printed and dropped ("Exception ignored in ..."): 2 of 12 tries
        in a measurement. Inside this block the handler raises nothing; ``check`` does."""
        self.polling = True
        try:
            yield
        finally:
            self.polling = False


def signal_name(signum: int | None) -> str:
    return signal.Signals(signum or signal.SIGINT).name


class RunInterrupted(KeyboardInterrupt):
    """The run stopped on a signal. ``result``, when set, holds what it judged until then."""

    def __init__(self, signum: int | None, result: Any = None) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum or signal.SIGINT
        self.result = result

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"replcheck: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nothing more to do
        pass


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _handlers(
    handler: Callable[[int, Any], None], ignore_after: Callable[[], bool] = lambda: False
) -> Iterator[None]:
    if not _in_main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        ignore = ignore_after()
        for signum, old in previous.items():
            signal.signal(signum, signal.SIG_IGN if ignore else old)


@contextmanager
def stopping_on_signals(stop: StopRequest, *, exiting: bool = False) -> Iterator[None]:
    """The run's handlers for SIGINT, SIGTERM and SIGHUP (see the module docstring).

    ``exiting``: the process ends after the block (the CLI): the signals stay ignored instead
    of being restored, so a Ctrl-C in the last milliseconds cannot turn an orderly exit (130
    after an interruption, or the verdict's) into a traceback."""

    def handle(signum: int, frame: Any) -> None:
        if stop.requested:
            _say(f"{signal_name(signum)}: already stopping; cleaning up first (Ctrl-\\ quits now)")
            return
        stop.set(signum)
        if not stop.polling:
            raise RunInterrupted(signum)

    with _handlers(handle, lambda: exiting):
        yield


@contextmanager
def shielded(stop: StopRequest) -> Iterator[None]:
    """Defer SIGINT, SIGTERM and SIGHUP for the block (cleanup); raise ``RunInterrupted``
    after it if one arrived and the run was not already stopping."""
    already = stop.requested
    arrived: list[int] = []

    def defer(signum: int, frame: Any) -> None:
        arrived.append(signum)
        stop.set(signum)
        _say(f"{signal_name(signum)}: cleaning up first (Ctrl-\\ quits now)")

    with _handlers(defer):
        yield
    if arrived and not already:
        raise RunInterrupted(arrived[0])
