"""Run-wide watchers: promises that only show when answers are compared across the whole run.

A judge looks at one answer; a watcher compares each answer with every earlier one. The client
hands watchers every answered exchange of the run, raw, including the suite's own bookkeeping
reads (the polls while a reindex runs), so nothing the target said escapes them; a finding keeps
the exchanges masked (``mask``, set by the session to the client's masking).

``WalWatcher`` keeps STATUS-WAL-MONOTONIC: it remembers the highest value of each WAL counter
per section, cluster id and mode, from every status answer, and records a finding, with the
earlier and the later exchange, when an answer reports less. A section whose cluster id or mode
changed is another cluster (Vault's counters belong to a cluster), so its counters start afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.exchange import Exchange
from conformance.outcomes import Finding

SECTIONS = ("dr", "performance")
WAL_FIELDS = ("last_wal", "last_remote_wal", "last_dr_wal", "last_performance_wal")
WAL_REQUIREMENT = "STATUS-WAL-MONOTONIC"
#: Findings kept by one watcher; the rest are counted.
MAX_WATCH_FINDINGS = 10


def sections(exchange: Exchange) -> Iterator[tuple[str, dict[str, Any]]]:
    """The cluster sections (``dr``, ``performance``) of a status answer that has them."""
    data = exchange.data() or {}
    for name in SECTIONS:
        section = data.get(name)
        if isinstance(section, dict):
            yield name, section


@dataclass(frozen=True)
class _Highest:
    value: int
    exchange: Exchange


class WalWatcher:
    """WAL counters never go back, over every status answer of the run."""

    name = "wal_counters_over_the_whole_run"

    def __init__(self, status_path: str) -> None:
        self._status_path = status_path
        self._highest: dict[tuple[str, Any, Any, str], _Highest] = {}
        self._pending: list[Finding] = []
        self._found = 0
        #: Findings beyond ``MAX_WATCH_FINDINGS``, counted but not kept.
        self.hidden = 0
        #: Status answers that carried at least one WAL counter.
        self.reads = 0
        #: Turns an exchange into what a report may show (secrets masked).
        self.mask: Callable[[Exchange], Exchange] = lambda exchange: exchange

    @property
    def id(self) -> str:
        return f"{WAL_REQUIREMENT}::{self.name}"

    def watches(self, method: str, url: str) -> bool:
        """Whether the answer to this request is one the watcher compares (a status read)."""
        return method == "GET" and urlsplit(url).path == self._status_path

    def __call__(self, exchange: Exchange) -> None:
        if (
            exchange.request.method != "GET"
            or exchange.status != 200
            or urlsplit(exchange.request.url).path != self._status_path
        ):
            return
        counted = False
        for name, section in sections(exchange):
            cluster = (section.get("cluster_id"), section.get("mode"))
            for member in WAL_FIELDS:
                value = section.get(member)
                if not isinstance(value, int) or isinstance(value, bool):
                    continue
                counted = True
                key = (name, *cluster, member)
                seen = self._highest.get(key)
                if seen is not None and value < seen.value:
                    self._went_back(f"$.data.{name}.{member}", seen, value, exchange)
                # The latest read of the highest value; after a step back the new value is the
                # baseline, so each step back is one finding.
                self._highest[key] = _Highest(value, exchange)
        self.reads += counted

    def _went_back(self, where: str, seen: _Highest, value: int, exchange: Exchange) -> None:
        if self._found >= MAX_WATCH_FINDINGS:
            self.hidden += 1
            return
        self._found += 1
        earlier = seen.exchange
        self._pending.append(
            Finding(
                WAL_REQUIREMENT,
                f"{where} went back from {seen.value} to {value} (cluster and mode unchanged): "
                f"{seen.value} was read by {earlier.origin or 'the run'} "
                f"({earlier.purpose or 'a status read'}), {value} by "
                f"{exchange.origin or 'the run'} ({exchange.purpose or 'a status read'})",
                "a WAL counter that never decreases while the cluster stays the same",
                self.mask(exchange),
                source=self.name,
                earlier=self.mask(earlier),
            )
        )

    def take(self) -> list[Finding]:
        """The findings recorded since the last call (each finding is handed out once)."""
        pending, self._pending = self._pending, []
        return pending
