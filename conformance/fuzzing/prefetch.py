"""Cases drawn ahead: every slot's cases, drawn in a thread of their own while the checks
before the fuzzer run (``--concurrency``), and handed to the fuzzer slot by slot."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from replcheck.conformance.concurrency.worker_pool import Pending
from replcheck.conformance.fuzzing.generation import FuzzCase


class Prefetch:
    """Every slot's cases, drawn in order in a thread of their own: drawing is computation that
    needs nothing from the target, so with ``--concurrency`` it runs beside the checks that
    come before the fuzzer, which then takes each slot's cases when it gets to it (the same
    cases, in the same order, as drawing them then). ``make_draws`` (loading the schema
    included) runs in that thread too."""

    def __init__(self, make_draws: Callable[[], Sequence[Callable[[], list[FuzzCase]]]]) -> None:
        self._listed = threading.Event()
        self._slots: list[Pending[list[FuzzCase]]] = []
        self._failed: BaseException | None = None
        threading.Thread(
            target=self._draw_all, args=(make_draws,), name="replcheck-draw", daemon=True
        ).start()

    def _draw_all(self, make_draws: Callable[[], Sequence[Callable[[], list[FuzzCase]]]]) -> None:
        try:
            draws = make_draws()
        except BaseException as exc:  # handed to the fuzzer when it asks
            self._failed = exc
            self._listed.set()
            return
        self._slots = [Pending() for _ in draws]
        self._listed.set()
        for index, draw in enumerate(draws):
            self._slots[index].settle(draw)
            failed = self._slots[index].error
            if failed is not None:  # stopped (a signal): every later slot fails alike
                for later in self._slots[index + 1 :]:
                    later.settle(_raising(failed))
                return

    def cases(self, slot: int) -> list[FuzzCase]:
        """The cases of slot ``slot`` (waits while they are being drawn)."""
        self._listed.wait()
        if self._failed is not None:
            raise self._failed
        return self._slots[slot].result()


def _raising(error: BaseException) -> Callable[[], list[FuzzCase]]:
    def fail() -> list[FuzzCase]:
        raise error

    return fail
