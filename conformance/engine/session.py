"""One open run: the selected checks run one at a time, the judges watching every exchange,
the run-wide watchers comparing answers, and the results gathered.

``run`` drives a whole ``Session`` (``Session.execute``); the pytest plugin opens one with
``session`` and runs its checks one per test (``Session.run_judged``).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from replcheck.conformance.checks.context import STATUS, CheckContext, RunState
from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.checks.judges import Judge, JudgePanel
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.checks.watch import NOTHING_WATCHED, Watcher
from replcheck.conformance.concurrency.interruption import (
    RunInterrupted,
    StopRequest,
    signal_name,
    stopping_on_signals,
)
from replcheck.conformance.enforcement import enforcers
from replcheck.conformance.enforcement.topology_pending import pending_results
from replcheck.conformance.engine import scheduling
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.progress import Listener, Silent
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.session_opening import (
    check_credentials,
    look_up_tokens,
    probe,
    provisioned,
)
from replcheck.conformance.judging import contract
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, conclude, per_requirement
from replcheck.conformance.settings.selection import Selection, SelectionError
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import Credential, RecordingClient, TargetUnreachable
from replcheck.conformance.transport.masking import Masker


def choose(settings: Settings) -> Selection:
    """The ``-k`` selection; one that selects no enforcer (check, judge or watcher) stops the
    run (exit 2) before anything is sent: a run that judges nothing cannot give a verdict."""
    try:
        selection = Selection(settings.keyword)
    except SelectionError as exc:
        raise RunAborted(str(exc)) from None
    if not enforcers.selected(selection):
        raise RunAborted(f"-k {settings.keyword!r} selects no check, so there is nothing to run")
    return selection


@contextmanager
def session(
    settings: Settings,
    base_url: str,
    sudo_token: str | None,
    *,
    seed: int,
    listener: Listener | None = None,
    only: Collection[str] | None = None,
) -> Iterator[Session]:
    """An open run whose checks the caller runs one at a time (the pytest plugin: one per test).

    On entry the status has been read (edition, cluster ids), the tokens checked and the
    missing ones provisioned, for the checks of ids ``only`` (the tests pytest selected; all
    when None); on exit whatever was provisioned is removed. Raises ``RunAborted`` like
    ``run``.
    """
    selection = choose(settings)
    masker = Masker.for_tokens(sudo_token, settings.non_sudo_token)
    stop = StopRequest()
    with (
        stopping_on_signals(stop),
        RecordingClient(settings, base_url, masker, plan=False, stop=stop) as client,
    ):
        opened = Session(
            settings,
            client,
            selection,
            listener or Silent(),
            seed,
            settings.resolved_profile,
            sudo_token,
        )
        opened.only = None if only is None else set(only)
        with opened.opened():
            yield opened


class Session:
    """One run's moving parts; ``execute`` is the whole order of events of ``run``."""

    def __init__(
        self,
        settings: Settings,
        client: RecordingClient,
        selection: Selection,
        listener: Listener,
        seed: int,
        profile: Any,
        sudo_token: str | None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.selection = selection
        self.listener = listener
        self.state = RunState(
            client=client, profile=profile, seed=seed, max_examples=settings.examples
        )
        if settings.budget is not None:
            self.state.deadline = time.perf_counter() + settings.budget
        if sudo_token:
            self.state.sudo = Credential(sudo_token)
        self.reasons: dict[str, str] = {}
        #: For a missing credential, the flags that would give it (for the verdict line).
        self.unlocks: dict[str, str] = {}
        #: Credentials missing by the user's choice (the safe profile provisions nothing):
        #: the checks needing them are not run by choice.
        self.chosen_without: set[str] = set()
        if not sudo_token:
            self.reasons["sudo"] = "no --token (or VAULT_TOKEN) was given"
            self.unlocks["sudo"] = "--token T"
        self.edition = Edition.UNKNOWN
        self.edition_observed = ""
        #: Why no state-changing call may be made (full profile, cluster ids not read).
        self.mutation_blocked: str | None = None
        self.notes: list[str] = []
        self.plan_lines: list[str] = []
        self.cluster_ids: dict[str, dict[str, Any]] = {}
        #: The selected enforcers, by id, in run order.
        self.chosen = {
            item.id: item
            for item in enforcers.in_run_order(
                enforcers.selected(selection), budget=settings.budget is not None
            )
        }
        #: The ids of the checks the caller will run, when not all (the plugin's selection):
        #: what the tokens must do and what is provisioned is decided for these.
        self.only: set[str] | None = None
        self.judges = [item for item in self.chosen.values() if isinstance(item, Judge)]
        self.watchers = [item for item in self.chosen.values() if isinstance(item, Watcher)]
        self.panel = JudgePanel(self.judges, client.mask, client.masker.mask)
        client.observers.append(self.panel)
        # The WAL watcher sees every answer, selected or not: the WAL check reads its findings.
        client.watchers.append(self.state.wal)
        self.state.wal.mask = client.mask

    def ordered_checks(self) -> list[Check]:
        """The selected checks in run order: the non-mutating ones, then the mutating ones.

        With a ``--budget``, the checks that fill the time left (the fuzzer) come last, so
        every other check runs whatever the budget, and generation gets what remains."""
        return [item for item in self.chosen.values() if isinstance(item, Check)]

    @contextmanager
    def opened(self) -> Iterator[None]:
        """Look the tokens up, probe, check what the tokens may do and provision on entry,
        remove what was provisioned on exit. A target without the replication API gets nothing
        checked nor provisioned."""
        try:
            look_up_tokens(self)
            probe(self)
            if self.edition is Edition.ABSENT:
                yield
                return
            check_credentials(self)
            with provisioned(self):
                yield
        except TargetUnreachable as exc:
            raise RunAborted(str(exc)) from None

    def execute(self, description: str, base_url: str) -> RunResult:
        check_results: list[CheckResult] = []
        checks = self.ordered_checks()
        interrupted: int | None = None
        planned = getattr(self.listener, "checks_planned", None)  # optional: a progress bar
        if planned is not None:
            planned(len(checks))
        try:
            with self.opened():
                try:
                    scheduling.run_checks(self, checks, check_results)
                    check_results += self.watch_results()
                except KeyboardInterrupt as exc:
                    # Whatever swallows a later KeyboardInterrupt, no request but cleanup
                    # goes out from here on.
                    self.client.stop.set(getattr(exc, "signum", None) or signal.SIGINT)
                    raise
        except KeyboardInterrupt as exc:
            interrupted = getattr(exc, "signum", None) or self.client.stop.signum or signal.SIGINT
            reason = f"the run was interrupted ({signal_name(interrupted)}) before this check"
            for item in checks[len(check_results) :]:
                check_results.append(
                    CheckResult(item.requirement, item.name, Outcome.NOT_RUN, reason)
                )
        judge_results = self.judge_results()
        for judged in judge_results:
            self.listener.check_finished(judged)
        # The requirements only a topology gate can judge: shown as such, never dropped.
        all_results = check_results + judge_results + pending_results(self.selection)
        result = RunResult(
            target=description,
            target_url=base_url,
            settings=self.settings.public(),
            seed=self.state.seed,
            profile=self.settings.resolved_profile,
            plan=self.settings.plan,
            edition=self.edition,
            results=per_requirement(all_results),
            checks=all_results,
            exchanges=list(self.client.exchanges),
            cluster_ids=self.cluster_ids,
            notes=self.notes,
            plan_lines=self.plan_lines,
            edition_observed=self.edition_observed,
            strict=self.settings.strict,
            interrupted_by=interrupted,
            cases_per_operation=dict(self.state.cases_per_operation),
        )
        if interrupted is not None:
            raise RunInterrupted(interrupted, result)
        return result

    def judge_results(self, panel: JudgePanel | None = None) -> list[CheckResult]:
        """The judges' verdicts (of ``panel``, by default the run's), with the rules about the
        replication API itself unsupported on a target that has none."""
        results = (panel or self.panel).finish()
        return [self.edition_judged(result) for result in results]

    def edition_judged(self, result: CheckResult) -> CheckResult:
        """A judge's result as the edition allows: unsupported where the target has no
        replication API and the judge's rule is about that API."""
        item = self.chosen.get(result.id)
        if self.edition is Edition.ABSENT and item is not None and not item.any_edition:
            result.outcome, result.reason = Outcome.UNSUPPORTED, self.edition_observed
            result.findings = []
        return result

    # --- the checks ---------------------------------------------------------------------------
    def run_judged(self, item: Check) -> tuple[CheckResult, list[CheckResult]]:
        """Run one check under a judge panel of its own: its result, and the judges' verdicts
        on the exchanges it sent (the run's own panel does not see them)."""
        with self.judged_apart() as panel:
            result = self.run_check(item)
        return result, self.judge_results(panel)

    def watch_judged(self, watcher: Watcher) -> tuple[CheckResult, list[CheckResult]]:
        """``watch_result`` under a judge panel of its own, as ``run_judged`` runs a check."""
        with self.judged_apart() as panel:
            result = self.watch_result(watcher)
        return result, self.judge_results(panel)

    @contextmanager
    def judged_apart(self) -> Iterator[JudgePanel]:
        """Judge the exchanges sent inside the block with a panel of their own."""
        panel = JudgePanel(self.judges, self.client.mask, self.client.masker.mask)
        observers = self.client.observers
        index = observers.index(self.panel)
        observers[index] = panel
        try:
            yield panel
        finally:
            observers[index] = self.panel

    def run_check(self, item: Check) -> CheckResult:
        if self.settings.workers > 1:
            result = scheduling.run_fanning_out(self, item)  # --concurrency, one check alone
        else:
            result = self.judge_check(item)
        self.listener.check_finished(result)
        return result

    def judge_check(self, item: Check) -> CheckResult:
        """Run one check and give its result (``run_check`` without telling the listener:
        ``replcheck.conformance.engine.scheduling`` tells it in the run's order)."""
        result = CheckResult(item.requirement, item.name, Outcome.NOT_RUN)
        reason = self._why_not(item, result)
        if reason is not None:
            result.outcome, result.reason = reason
        else:
            self._execute(item, result)
        return result

    def would_run(self, item: Check) -> bool:
        """Whether ``item`` would run now (not skipped for the edition, profile or a token)."""
        probe = CheckResult(item.requirement, item.name, Outcome.NOT_RUN)
        return self._why_not(item, probe) is None

    def watch_results(self) -> list[CheckResult]:
        """The selected run-wide watchers' verdicts; call once, after the checks."""
        return [self.watch_result(watcher) for watcher in self.watchers]

    def watch_result(self, watcher: Watcher) -> CheckResult:
        """A watcher's verdict after a last status read: what it saw since it was last asked
        (in ``run``: the whole run; the plugin merges the pieces it took per check)."""
        started = time.perf_counter()
        if self.edition.unsupported:
            result = CheckResult(
                watcher.requirement, watcher.name, Outcome.UNSUPPORTED, self.edition_observed
            )
        else:
            operation = contract.operation_for("GET", STATUS)
            self.client.send(
                "GET",
                STATUS,
                purpose="a last read: WAL counters at the end of the run",
                origin=watcher.name,
                operation=operation.key if operation else None,
            )
            # The WAL watcher is the one watcher today; its instance lives in the run's state.
            result = conclude(self.state.wal.take_piece(), NOTHING_WATCHED, plan=self.client.plan)
        result.duration_s = time.perf_counter() - started
        self.listener.check_finished(result)
        return result

    def _why_not(self, item: Check, result: CheckResult) -> tuple[Outcome, str] | None:
        reason = self._why_not_whatever_tokens(item, result)
        if reason is not None:
            return reason
        for need in item.needs:
            if getattr(self.state, need) is None:
                result.unlock = self.unlocks.get(need, "")
                result.by_choice = need in self.chosen_without
                return Outcome.NOT_RUN, self.reasons.get(need, f"no {need} token")
        return None

    def _why_not_whatever_tokens(
        self, item: Check, result: CheckResult
    ) -> tuple[Outcome, str] | None:
        """Why ``item`` is not run whatever tokens the run has: the edition, the profile."""
        if self.edition is Edition.ABSENT or (
            self.edition is Edition.COMMUNITY and not item.any_edition
        ):
            return Outcome.UNSUPPORTED, self.edition_observed
        if item.mutating and self.mutation_blocked:
            return Outcome.NOT_RUN, self.mutation_blocked
        if item.mutating and self.state.profile != "full":
            result.by_choice = True
            result.unlock = "--profile full"
            return Outcome.NOT_RUN, (
                "it needs a request that changes the target's state; runs only with --profile full"
            )
        return None

    def will_run(self) -> list[Check]:
        """The selected checks that run, given the tokens they need."""
        return [
            item
            for item in self.ordered_checks()
            if (self.only is None or item.id in self.only)
            and self._why_not_whatever_tokens(
                item, CheckResult(item.requirement, item.name, Outcome.NOT_RUN)
            )
            is None
        ]

    def using(self, need: str) -> list[Check]:
        """The checks that will run and send the credential ``need`` when the run has it,
        needing it or not (what provisioning makes, when it may)."""
        return [item for item in self.will_run() if need in (*item.needs, *item.uses)]

    def needing(self, need: str) -> list[Check]:
        """The selected checks that will run unless the credential ``need`` (``sudo``,
        ``non_sudo``, ``no_update``) is missing: what the run must have, or provision."""
        return [item for item in self.will_run() if need in item.needs]

    def _execute(self, item: Check, result: CheckResult) -> None:
        started = time.perf_counter()
        try:
            item.func(CheckContext(self.state, item.name, result))
        except TargetUnreachable:
            raise
        except Exception as exc:  # the suite broke: an error outcome, never the target's fault
            result.outcome = Outcome.ERROR
            result.reason = self.client.masker.mask(f"{type(exc).__name__}: {exc}")
        else:
            nothing = f"nothing to judge in the {result.exchanges} answer(s) it got"
            conclude(result, nothing, plan=self.client.plan)
        result.duration_s = time.perf_counter() - started
