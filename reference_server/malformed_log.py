"""The log of malformed requests: every one counted, a warning at most once a minute.

Anyone who can reach the port can send malformed requests, without a token; one warning line
each would let them fill the operator's disk (12,000 fuzzed requests once gave 7,262 lines).
Each one is logged at debug level; at the default level the operator sees one warning at the
first, then at most one line per ``REPORT_INTERVAL_SECONDS`` with the counts by kind since the
previous line, and a last one with what is still uncounted when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

__all__ = ["REPORT_INTERVAL_SECONDS", "MalformedRequestLog"]

#: Shortest time between two warning lines about malformed requests.
REPORT_INTERVAL_SECONDS = 60.0


class MalformedRequestLog:
    """Counts malformed requests by kind and reports them to ``logger`` at a bounded rate.

    One instance per server (the protocol class holds it); all calls come from the event
    loop's thread, so no lock is needed.
    """

    def __init__(self, interval: float = REPORT_INTERVAL_SECONDS) -> None:
        self.interval = interval
        #: Malformed requests since the server started.
        self.total = 0
        self._pending: Counter[str] = Counter()
        self._last_report: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._logger: logging.Logger | None = None

    def note(self, kind: str, logger: logging.Logger, loop: asyncio.AbstractEventLoop) -> None:
        """One malformed request of ``kind`` (a short phrase, e.g. ``unparseable head``)."""
        self.total += 1
        self._pending[kind] += 1
        self._logger = logger
        logger.debug("Malformed HTTP request (%s).", kind)
        now = loop.time()
        if self._last_report is None or now - self._last_report >= self.interval:
            self._report(now)
        elif self._timer is None:
            self._timer = loop.call_at(self._last_report + self.interval, self._on_timer, loop)

    def flush(self) -> None:
        """Report what is still uncounted (when the server stops)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending and self._logger is not None:
            self._write()

    def _on_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if self._pending:
            self._report(loop.time())

    def _report(self, now: float) -> None:
        self._last_report = now
        self._write()

    def _write(self) -> None:
        assert self._logger is not None
        count = sum(self._pending.values())
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self._pending.items()))
        self._logger.warning(
            "Malformed HTTP requests: %d since the last report (%s), %d since start; "
            "answered 400 or closed. This line is written at most once every %gs; "
            "--log-level debug logs each one.",
            count, kinds, self.total, self.interval,
        )
        self._pending.clear()
