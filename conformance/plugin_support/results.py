"""The results folder: where every pytest process of a run leaves what its checks found.

With pytest-xdist the suite's tests run in several processes, but the engine's verdicts are
per run: a judge watches *every* exchange, and the reports cover every check. So each process
writes a record per check (its result, the judges' verdicts on its exchanges, the exchanges)
and one per engine session (the probe's read, edition, cluster ids, cleanup notes) into a
folder the controlling process created; judge tests merge the check records, and the
controlling process assembles the engine's ``RunResult`` from all of them for the reports.

Records are pickles of the engine's own (already masked) result objects, in a private
temporary folder that this run created and removes at the end.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.checks.judges import Judge, merge_judgements
from replcheck.conformance.enforcement.topology_pending import pending_results
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, per_requirement
from replcheck.conformance.transport.exchange import Exchange

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class SessionRecord:
    """What one process's engine session saw before and after its checks."""

    edition: Edition
    cluster_ids: dict[str, dict[str, Any]]
    #: The judges' verdicts on the probe's status read.
    judgements: list[CheckResult]
    exchanges: list[Exchange]
    notes: list[str] = field(default_factory=list)
    #: What the run-wide watcher saw in the probe (a piece to merge).
    watch: CheckResult | None = None
    #: What the status showed when the target has no replication (one sentence).
    edition_observed: str = ""


@dataclass
class CheckRecord:
    result: CheckResult
    #: The judges' verdicts on this check's exchanges only.
    judgements: list[CheckResult]
    exchanges: list[Exchange]
    #: What the run-wide watcher of this process saw during this check (a piece to merge).
    watch: CheckResult | None = None


class ResultsFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls) -> ResultsFolder:
        return cls(Path(tempfile.mkdtemp(prefix="replcheck-results-")))

    def write(self, kind: str, key: str, record: object) -> None:
        """Write atomically: a reader never sees half a record."""
        final = self.path / f"{kind}--{_UNSAFE.sub('_', key)}.pickle"
        partial = final.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(pickle.dumps(record))
        os.replace(partial, final)

    def read(self, kind: str) -> list[Any]:
        records = []
        for path in sorted(self.path.glob(f"{kind}--*.pickle")):
            records.append(pickle.loads(path.read_bytes()))
        return records

    def checks(self) -> dict[str, CheckRecord]:
        return {r.result.id: r for r in self.read("check")}

    def missing(self, check_ids: Iterable[str]) -> list[str]:
        done = {
            path.name.removeprefix("check--").removesuffix(".pickle")
            for path in self.path.glob("check--*.pickle")
        }
        return [cid for cid in check_ids if _UNSAFE.sub("_", cid) not in done]

    def wait_for(self, check_ids: list[str], timeout_s: float) -> list[str]:
        """Wait until every check in ``check_ids`` has a record; return those still missing."""
        deadline = time.monotonic() + timeout_s
        missing = self.missing(check_ids)
        while missing and time.monotonic() < deadline:
            time.sleep(0.05)
            missing = self.missing(missing)
        return missing

    def judge(self, judge: Judge) -> CheckResult:
        """One judge's verdict over every exchange recorded so far (probes and checks)."""
        pieces = [record.judgements for record in self.read("session")]
        pieces += [record.judgements for record in self.checks().values()]
        for result in merge_judgements(pieces):
            if result.id == judge.id:
                return result
        return CheckResult(judge.requirement, judge.name, Outcome.NOT_RUN, "no answer to judge")

    def watch_pieces(self, but: str) -> list[CheckResult]:
        """What the run-wide watchers of every process saw, piece by piece (probes, then
        checks), but the record ``but``."""
        records: list[SessionRecord | CheckRecord] = [*self.read("session")]
        records += [r for key, r in self.checks().items() if key != but]
        return [record.watch for record in records if record.watch is not None]

    def remove(self) -> None:
        for path in self.path.iterdir():
            path.unlink()
        self.path.rmdir()


@dataclass(frozen=True)
class RunFacts:
    """What the controlling process knows of the run, beside the records."""

    target_url: str
    settings: dict[str, Any]
    seed: int
    profile: str
    started_at: str
    duration_s: float
    #: ``embedded reference server`` or ``URL <url>``, as the verdict line names the target.
    target_kind: str = ""


def assemble(
    folder: ResultsFolder,
    order: list[str],
    users: list[CheckResult],
    facts: RunFacts,
    interrupted_by: int | None = None,
) -> RunResult | None:
    """The engine's ``RunResult`` of the whole pytest run, or None when nothing replcheck ran.

    ``order`` is the suite's order of check and judge ids; users' marked tests come last.
    ``interrupted_by``: the signal that stopped the session, whose result claims no verdict.
    When every test of the bundled suite left a record (no ``-k`` narrowed it), the
    requirements only the topology gate can judge are listed too, not run, as ``replcheck
    run`` lists them: they have no test a ``-k`` could select. The records tell it, not the
    collection, which an xdist controller does not see.
    """
    sessions: list[SessionRecord] = folder.read("session")
    checks = folder.checks()
    judges = {r.id: r for r in folder.read("judge")}
    if not (checks or judges or users):
        return None
    results: list[CheckResult] = []
    exchanges = [exchange for session in sessions for exchange in session.exchanges]
    for item_id in order:
        if item_id in checks:
            results.append(checks[item_id].result)
            exchanges.extend(checks[item_id].exchanges)
        elif item_id in judges:
            results.append(judges[item_id])
    results.extend(users)
    if set(order) <= set(checks) | set(judges):
        results.extend(pending_results())
    editions = {session.edition for session in sessions} - {Edition.UNKNOWN}
    edition = editions.pop() if len(editions) == 1 else Edition.UNKNOWN
    cluster_ids = sessions[0].cluster_ids if sessions else {}
    notes = list(dict.fromkeys(note for session in sessions for note in session.notes))
    return RunResult(
        target=facts.target_url,
        target_url=facts.target_url,
        settings=facts.settings,
        seed=facts.seed,
        profile=facts.profile,
        plan=False,
        edition=edition,
        results=per_requirement(results),
        checks=results,
        exchanges=exchanges,
        cluster_ids=cluster_ids,
        notes=notes,
        started_at=facts.started_at,
        duration_s=facts.duration_s,
        edition_observed=next((s.edition_observed for s in sessions if s.edition_observed), ""),
        strict=bool(facts.settings.get("strict")),
        # A test marked with two requirements has one result per requirement: count it once.
        other_requests=sum({user.name: user.exchanges for user in users}.values()),
        target_kind=facts.target_kind,
        interrupted_by=interrupted_by,
    )
