"""The order in which exchanges are recorded and judged, whatever order threads send them in.

With ``--concurrency N`` several checks (and the fuzzer's generated cases) send at once, but a
run's record must not depend on thread timing: the exchanges list, the judges' findings and
the counts they keep must come out as a sequential run (``--concurrency 1``) would produce
them. So a thread working on one unit (a check, or one generated request) records into an
``Entries`` of its own: the client still sends at once and hands the check its raw answer,
but what comes after a send (judging the exchange, keeping a masked copy) is held as an
entry. The scheduler replays every unit's entries in the run's order once they are done
(``Entries.replay``): a unit's nested units (the fuzzer's cases) sit in it at the place where
they were started, so the replay follows the program order of a sequential run exactly.

Without an ``Entries`` active in the thread (``--concurrency 1``, or the pytest plugin running
one check per test), the client does what follows a send at once, as it always did.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()


class Entries:
    """What follows the sends of one unit of work, in its program order."""

    def __init__(self) -> None:
        self._items: list[Callable[[], None] | Entries] = []
        self._lock = threading.Lock()

    def add(self, effect: Callable[[], None]) -> None:
        with self._lock:
            self._items.append(effect)

    def nested(self) -> Entries:
        """A place for a unit started here (run elsewhere), kept at this point of the order."""
        child = Entries()
        with self._lock:
            self._items.append(child)
        return child

    def replay(self) -> None:
        """Run every held effect in order, nested units in their place; each runs once."""
        with self._lock:
            items, self._items = self._items, []
        for item in items:
            if isinstance(item, Entries):
                item.replay()
            else:
                item()


def current() -> Entries | None:
    """The unit the calling thread records into (None: effects happen at once)."""
    entries: Entries | None = getattr(_local, "entries", None)
    return entries


@contextmanager
def recording_into(entries: Entries | None) -> Iterator[None]:
    """Record the calling thread's effects into ``entries`` for the block."""
    previous = current()
    _local.entries = entries
    try:
        yield
    finally:
        _local.entries = previous


def after_send(effect: Callable[[], None]) -> None:
    """Hold ``effect`` in the calling thread's unit, or run it now when there is none."""
    entries = current()
    if entries is None:
        effect()
    else:
        entries.add(effect)
