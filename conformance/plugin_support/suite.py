"""The bundled suite's tests: one per engine check and per judge, with the engine's ids.

Each test runs its check through the engine (``session.Session.run_judged``) in the test's
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
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest

from replcheck import spec
from replcheck.conformance.checks.judges import Judge
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.checks.watch import MAX_WATCH_FINDINGS, NOTHING_WATCHED, Watcher
from replcheck.conformance.enforcement import enforcers
from replcheck.conformance.enforcement.enforcers import Enforcer
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.session import Session, session
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, merge
from replcheck.conformance.plugin_support.options import plugin_words
from replcheck.conformance.plugin_support.results import CheckRecord, ResultsFolder, SessionRecord
from replcheck.conformance.report.grouping import group_findings
from replcheck.conformance.report.terminal import TerminalReporter
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import TargetUnreachable

#: How long a test waits, under xdist, for the tests it depends on in other processes. A check
#: may wait up to a minute for a reindex; a test gives up (an error) after this.
WAIT_SECONDS = 600.0


def _in_order() -> list[Enforcer]:
    return enforcers.in_run_order(enforcers.registered())


def check_ids() -> list[str]:
    """The engine's checks in run order, then the run-wide watchers: every enforcer that sends
    requests and leaves a record."""
    return [item.id for item in _in_order() if item.kind != "judge"]


def judge_ids() -> list[str]:
    return [item.id for item in _in_order() if item.kind == "judge"]


def suite_ids() -> list[str]:
    """The suite's parameters: every enforcer in the order ``run`` takes them."""
    return [item.id for item in _in_order()]


def prerequisites(item_id: str, selected: list[str]) -> list[str]:
    """The selected checks that must have finished before ``item_id`` may run (see above)."""
    judges = set(judge_ids())
    checks = [i for i in selected if i not in judges]
    if item_id not in checks:
        return checks
    waits = {
        item.id
        for item in enforcers.registered()
        if item.kind == "watcher" or (isinstance(item, Check) and item.mutating)
    }
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
        self.enforcers = {item.id: item for item in enforcers.registered()}
        self.watcher = engine.state.wal

    def run(self, item_id: str, selected: list[str]) -> CheckResult:
        """Run one suite test's enforcer; ``selected`` is the session's suite ids."""
        if self.parallel:
            self._wait(item_id, prerequisites(item_id, selected))
        item = self.enforcers[item_id]
        if isinstance(item, Check):
            return self._check(item)
        if isinstance(item, Watcher):
            return self._watch(item)
        if isinstance(item, Judge):
            return self._judge(item)
        raise TypeError(f"{item_id} is a {item.kind}, which the suite cannot run")

    def _wait(self, item_id: str, needed: list[str]) -> None:
        missing = self.folder.wait_for(needed, WAIT_SECONDS)
        if missing:
            pytest.fail(
                f"replcheck: {item_id} must run after {len(missing)} check(s) that did not "
                f"finish within {WAIT_SECONDS:.0f} s in the other processes: "
                f"{', '.join(missing[:5])}",
                pytrace=False,
            )

    def _check(self, item: Check) -> CheckResult:
        before = len(self.engine.client.exchanges)
        unreachable: str | None = None
        try:
            result, judgements = self.engine.run_judged(item)
        except TargetUnreachable as exc:
            unreachable = plugin_words(str(exc))
        if unreachable is not None:  # outside the except block: one sentence, no chain
            _could_not_run(unreachable)
        exchanges = self.engine.client.exchanges[before:]
        record = CheckRecord(result, judgements, exchanges, self.watcher.take_piece())
        self.folder.write("check", item.id, record)
        return result

    def _watch(self, item: Watcher) -> CheckResult:
        """The watcher's last read and verdict, merged with what every process's watcher saw
        (``outcomes.merge``, the rule ``run`` follows for judges too)."""
        before = len(self.engine.client.exchanges)
        unreachable: str | None = None
        try:
            result, judgements = self.engine.watch_judged(item)
        except TargetUnreachable as exc:
            unreachable = plugin_words(str(exc))
        if unreachable is not None:
            _could_not_run(unreachable)
        if result.outcome in (Outcome.PASSED, Outcome.FAILED):
            pieces = [*self.folder.watch_pieces(but=item.id), result]
            (merged,) = merge(pieces, MAX_WATCH_FINDINGS, lambda _: NOTHING_WATCHED)
            merged.duration_s = result.duration_s
            result = merged
        exchanges = self.engine.client.exchanges[before:]
        self.folder.write("check", item.id, CheckRecord(result, judgements, exchanges))
        return result

    def _judge(self, item: Judge) -> CheckResult:
        result = self.engine.edition_judged(self.folder.judge(item))
        self.folder.write("judge", item.id, result)
        return result


@contextmanager
def open_suite(
    settings: Settings,
    base_url: str,
    folder: ResultsFolder,
    *,
    seed: int,
    parallel: bool,
    selected: Collection[str] | None = None,
) -> Iterator[SuiteRun]:
    """Open the engine session of this process and record what its probe saw; the tokens
    are checked, and provisioned, for the ``selected`` suite ids (all when None)."""
    key = f"{os.getpid()}-{secrets.token_hex(4)}"
    aborted: str | None = None
    try:
        with session(settings, base_url, settings.token, seed=seed, only=selected) as engine:
            record = SessionRecord(
                edition=engine.edition,
                cluster_ids=engine.cluster_ids,
                judgements=engine.judge_results(),
                edition_observed=engine.edition_observed,
                exchanges=list(engine.client.exchanges),
                notes=list(engine.notes),
                watch=engine.state.wal.take_piece(),
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
    if strict and result.outcome is Outcome.NOT_RUN and not result.left_by_design:
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
            f"replcheck: the suite itself broke on {result.id} "
            f"(not the target's fault): {result.reason}",
            pytrace=False,
        )


def failure_text(result: CheckResult) -> str:
    """Requirement, then each finding as the terminal report prints it (tokens masked)."""
    requirement = spec.requirement(result.requirement)
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
    lines += [f"note: {note}" for note in result.all_notes]
    return "\n".join(lines)
