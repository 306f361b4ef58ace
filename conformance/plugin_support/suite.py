"""The bundled suite's tests: one per engine check and per judge, with the engine's ids.

Each test runs its check through the engine (``runner.Session.run_judged``) in the test's
setup, so that an engine *error* (the suite broke) is a pytest error; the test body then turns
the outcome into pytest's: failed -> a failure naming the requirement, the exchange, the
expectation and a curl line; not run / unsupported -> a skip with the reason; passed -> pass.
A judge's test merges the judges' verdicts of every check of the run, from every process.

The run-wide watcher (STATUS-WAL-MONOTONIC: WAL counters never go back) is one test after the
checks: it takes a last status read and the steps back every process's watcher saw. Under xdist
each process compares only its own status reads (they are in real-time order; reads of
different processes are not, and comparing them could raise a false alarm).

Order matters as it does in ``run``: a mutating check (a successful reindex) must not run while a
non-mutating one watches the status for changes, and a judge needs every exchange. Under xdist
each test therefore waits, through the results folder, for the tests it depends on
(``prerequisites``): a mutating check and the watcher for every check before them, a judge for
every check and the watcher. Each
waits only for tests earlier in the suite's order, and every worker runs its share in that
order, so the earliest unfinished test can always proceed. In one process the order alone does
it, and ``ordered`` restores it should another plugin (e.g. pytest-randomly) have shuffled.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest

import replcheck_spec
from conformance.aborted import RunAborted
from conformance.checks import registered
from conformance.checks.judges import registered as registered_judges
from conformance.checks.watch import WAL_REQUIREMENT, WalWatcher
from conformance.client import TargetUnreachable
from conformance.outcomes import CheckResult, Outcome
from conformance.plugin_support.options import plugin_words
from conformance.plugin_support.results import CheckRecord, ResultsFolder, SessionRecord
from conformance.report.grouping import group_findings
from conformance.report.terminal import TerminalReporter
from conformance.session import Session, session
from conformance.target import Settings

#: How long a test waits, under xdist, for the tests it depends on in other processes. A check
#: may wait up to a minute for a reindex; a test gives up (an error) after this.
WAIT_SECONDS = 600.0


WATCHER_ID = f"{WAL_REQUIREMENT}::{WalWatcher.name}"


def check_ids() -> list[str]:
    """The engine's checks in run order: the non-mutating ones, the mutating ones, then the
    run-wide watcher (everything that sends requests and leaves a record)."""
    checks = registered()
    return (
        [c.id for c in checks if not c.mutating]
        + [c.id for c in checks if c.mutating]
        + [WATCHER_ID]
    )


def judge_ids() -> list[str]:
    return [judge.id for judge in registered_judges()]


def suite_ids() -> list[str]:
    """The suite's parameters: the checks in run order, then the judges (as ``run`` does)."""
    return check_ids() + judge_ids()


def prerequisites(item_id: str, selected: list[str]) -> list[str]:
    """The selected checks that must have finished before ``item_id`` may run (see above)."""
    checks = [i for i in selected if i not in set(judge_ids())]
    if item_id not in checks:
        return checks
    waits = {c.id for c in registered() if c.mutating} | {WATCHER_ID}
    return checks[: checks.index(item_id)] if item_id in waits else []


def ordered(ids: list[str]) -> list[str]:
    """``ids`` in the suite's order."""
    rank = {item_id: index for index, item_id in enumerate(suite_ids())}
    return sorted(ids, key=rank.__getitem__)


class SuiteRun:
    """This process's share of the suite: one engine session on the target, opened at the first
    suite test and closed (provisioned tokens revoked) at the end of the pytest session."""

    def __init__(
        self, engine: Session, folder: ResultsFolder, record: SessionRecord, *, parallel: bool
    ) -> None:
        self.engine = engine
        self.folder = folder
        self.record = record
        self.parallel = parallel
        self.checks = {item.id: item for item in engine.ordered_checks()}
        self.watcher = engine.state.wal

    def run(self, item_id: str, selected: list[str]) -> CheckResult:
        """Run one suite test's check or judge; ``selected`` is the session's suite ids."""
        if self.parallel:
            self._wait(item_id, prerequisites(item_id, selected))
        if item_id in self.checks:
            return self._check(item_id)
        if item_id == WATCHER_ID:
            return self._watch()
        return self._judge(item_id)

    def _wait(self, item_id: str, needed: list[str]) -> None:
        missing = self.folder.wait_for(needed, WAIT_SECONDS)
        if missing:
            pytest.fail(
                f"replcheck: {item_id} must run after {len(missing)} check(s) that did not "
                f"finish within {WAIT_SECONDS:.0f} s in the other processes: "
                f"{', '.join(missing[:5])}",
                pytrace=False,
            )

    def _check(self, check_id: str) -> CheckResult:
        before, reads = len(self.engine.client.exchanges), self.watcher.reads
        try:
            result, judgements = self.engine.run_judged(self.checks[check_id])
        except TargetUnreachable as exc:
            _could_not_run(plugin_words(str(exc)))
        exchanges = self.engine.client.exchanges[before:]
        record = CheckRecord(
            result, judgements, exchanges, self.watcher.take(), self.watcher.reads - reads
        )
        self.folder.write("check", check_id, record)
        return result

    def _watch(self) -> CheckResult:
        """The watcher's last read and verdict, with every process's steps back and reads."""
        before, reads = len(self.engine.client.exchanges), self.watcher.reads
        try:
            results, judgements = self.engine.watch_judged()
        except TargetUnreachable as exc:
            _could_not_run(plugin_words(str(exc)))
        requirement, _, name = WATCHER_ID.partition("::")
        result = results[0] if results else CheckResult(requirement, name, Outcome.NOT_RUN)
        records = [r for r in self.folder.checks().values() if r.result is not result]
        earlier = [f for r in records for f in r.watch_findings]
        counted = sum(r.watch_reads for r in records) + sum(
            r.watch_reads for r in self.folder.read("session")
        )
        if result.outcome in (Outcome.PASSED, Outcome.FAILED):
            result.findings = earlier + result.findings
            result.exchanges = counted + self.watcher.reads - reads
            result.outcome = Outcome.FAILED if result.findings else Outcome.PASSED
        exchanges = self.engine.client.exchanges[before:]
        self.folder.write("check", WATCHER_ID, CheckRecord(result, judgements, exchanges, [], 0))
        return result

    def _judge(self, judge_id: str) -> CheckResult:
        result = self.engine.edition_judged(self.folder.judge(judge_id))
        self.folder.write("judge", judge_id, result)
        return result


@contextmanager
def open_suite(
    settings: Settings, base_url: str, folder: ResultsFolder, *, seed: int, parallel: bool
) -> Iterator[SuiteRun]:
    """Open the engine session of this process and record what its probe saw."""
    key = f"{os.getpid()}-{secrets.token_hex(4)}"
    aborted: str | None = None
    try:
        with session(settings, base_url, settings.token, seed=seed) as engine:
            record = SessionRecord(
                edition=engine.edition,
                cluster_ids=engine.cluster_ids,
                judgements=engine.judge_results(),
                edition_observed=engine.edition_observed,
                exchanges=list(engine.client.exchanges),
                notes=list(engine.notes),
                watch_reads=engine.state.wal.reads,
            )
            folder.write("session", key, record)
            yield SuiteRun(engine, folder, record, parallel=parallel)
    except RunAborted as exc:
        aborted = plugin_words(str(exc))
    if aborted is not None:  # outside the except block: one sentence, no chained exception
        _could_not_run(aborted)
    record.notes = list(dict.fromkeys(record.notes + engine.notes))
    folder.write("session", key, record)


def _could_not_run(reason: str) -> NoReturn:
    """The target is unreachable, the token wrong, or it answered beyond the run's bounds: the
    test errors with one sentence."""
    pytest.fail(f"replcheck: the run could not be made: {reason}", pytrace=False)


def conclude(result: CheckResult, *, strict: bool = False) -> None:
    """Turn an engine outcome into pytest's (called in the test body). With ``strict``
    (``--replcheck-strict``), a check not run for a reason other than the profile fails."""
    if result.outcome is Outcome.FAILED:
        pytest.fail(failure_text(result), pytrace=False)
    if strict and result.outcome is Outcome.NOT_RUN and not result.by_choice:
        reason = plugin_words(result.reason)
        pytest.fail(
            f"replcheck not run (--replcheck-strict): {result.requirement}: {reason}",
            pytrace=False,
        )
    if result.outcome in (Outcome.NOT_RUN, Outcome.UNSUPPORTED):
        reason = plugin_words(result.reason)
        pytest.skip(f"replcheck {result.outcome.value}: {result.requirement}: {reason}")


def raise_error(result: CheckResult) -> None:
    """An engine error (the suite broke, not the target): fail the setup, a pytest error."""
    if result.outcome is Outcome.ERROR:
        pytest.fail(
            f"replcheck: the suite itself broke on {result.requirement}::{result.name} "
            f"(not the target's fault): {result.reason}",
            pytrace=False,
        )


def failure_text(result: CheckResult) -> str:
    """Requirement, then each finding as the terminal report prints it (tokens masked)."""
    requirement = replcheck_spec.requirement(result.requirement)
    buffer = io.StringIO()
    reporter = TerminalReporter(buffer)
    for number, group in enumerate(group_findings(result.findings), 1):
        reporter.finding(number, group)
    lines = [
        f"{result.requirement} [{requirement.level}] failed: {len(result.findings)} finding(s)",
        f"requirement: {requirement.statement}",
        f"source: {requirement.source}",
        "",
        buffer.getvalue().rstrip(),
    ]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)
