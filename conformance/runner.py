"""Run the suite against one target: the engine behind ``replcheck run`` and the pytest plugin.

Public API (used by the CLI, the pytest plugin and the broken-server zoo in ``tests/zoo``)::

    from conformance.runner import run, RunAborted
    from conformance.target import Settings

    result = run(Settings(url="http://127.0.0.1:8200", token="hvs.…", seed=7))
    result.exit_code                          # 0 conformant, 1 not conformant / unsupported
    result.results["REINDEX-SUDO"].outcome    # an ``Outcome``: passed, failed, error, ...
    result.results["REINDEX-SUDO"].findings   # what deviated, with the exchanges
    result.failed                             # ids of the failed requirements

``run`` raises ``RunAborted`` (exit code 2, one sentence in ``str(exc)``) when the run cannot be
made: unreachable target, TLS failure, a bad ``-k`` expression, an answer beyond the run's
bounds (too slow, too large, nested too deep). On Ctrl-C or SIGTERM it stops before any
further request but cleanup, removes what it provisioned, and raises ``RunInterrupted`` (a
``KeyboardInterrupt``) whose ``result`` is the partial ``RunResult`` (verdict "interrupted",
exit code 128 + the signal number: 130 for Ctrl-C). ``Settings(url=None)`` starts the
embedded reference server on a free loopback port and judges it.

The pytest plugin runs the same checks one per test, through the same ``Session``::

    with open_target(settings) as (base_url, sudo_token, description):
        with session(settings, base_url, sudo_token, seed=7) as opened:
            for item in opened.ordered_checks():
                result, judgements = opened.run_judged(item)

``run_judged`` gives a check's result and the judges' verdicts on that check's exchanges only;
``judges.merge_judgements`` combines such pieces (from several processes) into what one ``run``
reports, and ``per_requirement`` groups results by requirement as ``RunResult.results`` does.

Exit codes, as ``RunResult.exit_code`` gives them:

- 0: every requirement that was judged passed (requirements not run are listed with reasons);
- 1: at least one requirement failed (or, with ``--strict``, was not run for a reason other
  than the profile); *or* the target has no replication API (Vault Community Edition, or a 404
  on the status as from OpenBao): a gate asking "does this target implement Vault's replication
  API?" must not pass there, though no requirement is counted as failed (they are unsupported);
- 2: the suite itself broke on a check (outcome ``error``), or the run judged no requirement at
  all: no verdict can be claimed. (``RunAborted`` — a wrong token, an unreachable target, a
  ``-k`` selecting nothing — is exit 2 as well, before any check.)

Order of a run: look every given token up (``preflight``), read the status once (edition,
cluster ids, printed before any state-changing call; without them the full profile changes
nothing; without a replication API nothing more is sent), provision missing tokens, run the
non-mutating checks, then (``full`` only) the mutating ones; the per-response judges watch
every exchange throughout, and the run-wide watchers (``Session.watch_results``: WAL counters
never go back) every status answer, bookkeeping reads included, with a last read after the
checks. Provisioned tokens and policies are removed at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import secrets
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import replcheck_spec
from conformance import __version__, contract, scheduling
from conformance.checks import registered
from conformance.checks.context import STATUS, CheckContext, RunState
from conformance.checks.edition import Edition, detect, observed
from conformance.checks.judges import Judge, JudgePanel
from conformance.checks.judges import registered as registered_judges
from conformance.checks.registry import Check
from conformance.checks.watch import WAL_REQUIREMENT, WalWatcher, sections
from conformance.client import Credential, RecordingClient, TargetUnreachable
from conformance.exchange import Exchange
from conformance.interruption import RunInterrupted, StopRequest, signal_name, stopping_on_signals
from conformance.outcomes import CheckResult, Outcome, RequirementResult, combine
from conformance.preflight import token_problem
from conformance.provision import Provisioner, has_sudo
from conformance.selection import Selection, SelectionError
from conformance.target import NO_UPDATE_LABEL, NON_SUDO_LABEL, Masker, Settings

#: Address shown by ``--plan`` when the embedded server would be the target.
PLAN_EMBEDDED_URL = "http://127.0.0.1:8200"

#: The embedded target's reindex stage unit. The full profile sends a few dozen successful
#: reindexes and waits for each to finish (as it must with a real cluster); a 25 ms reindex
#: keeps ``make run`` quick while every stage still shows in the status.
EMBEDDED_REINDEX_STAGE_SECONDS = 0.005


class RunAborted(Exception):
    """The run could not be made; ``str(exc)`` is one sentence for the user (exit code 2)."""


class Listener(Protocol):
    """Progress of a run, for a terminal or a plugin (every method optional in effect)."""

    def message(self, text: str) -> None: ...

    def check_finished(self, result: CheckResult) -> None: ...


class _Silent:
    def message(self, text: str) -> None:
        pass

    def check_finished(self, result: CheckResult) -> None:
        pass


@dataclass
class RunResult:
    """Everything a report needs; no secret is in here (exchanges are masked)."""

    target: str
    target_url: str
    settings: dict[str, Any]
    seed: int
    profile: str
    plan: bool
    edition: Edition
    results: dict[str, RequirementResult]
    checks: list[CheckResult]
    exchanges: list[Exchange]
    cluster_ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    plan_lines: list[str] = field(default_factory=list)
    #: What the status answer showed when the edition has no replication (one sentence).
    edition_observed: str = ""
    #: ``--strict``: a requirement or check not run (other than by the profile) fails the run.
    strict: bool = False
    started_at: str = ""
    duration_s: float = 0.0
    #: The signal that stopped the run before its end; the result is then partial.
    interrupted_by: int | None = None
    #: Generated cases sent per documented operation ("POST /sys/replication/reindex": 26).
    cases_per_operation: dict[str, int] = field(default_factory=dict)
    suite_version: str = __version__
    spec_hash: str = field(default_factory=replcheck_spec.spec_hash)

    def _with(self, outcome: Outcome) -> list[str]:
        return [rid for rid, r in self.results.items() if r.outcome is outcome]

    @property
    def failed(self) -> list[str]:
        return self._with(Outcome.FAILED)

    @property
    def errored(self) -> list[str]:
        return self._with(Outcome.ERROR)

    @property
    def gaps(self) -> list[str]:
        """Requirements with a check not run for a reason other than the profile (what
        ``--strict`` fails on)."""
        return [
            rid
            for rid, r in self.results.items()
            if r.outcome in (Outcome.PASSED, Outcome.NOT_RUN) and r.gaps
        ]

    @property
    def verdict(self) -> str:
        """interrupted, plan, not conformant, incomplete, unsupported, nothing judged, or
        conformant.

        An interrupted run claims nothing; failed wins (the target deviated); then an engine
        error (no verdict can be claimed); then an edition without the replication API; then a
        run that judged no requirement at all (a gate must not pass on nothing); then
        ``--strict`` gaps; else conformant."""
        if self.interrupted_by is not None:
            return "interrupted"
        if self.plan:
            return "plan"
        if self.failed:
            return "not conformant"
        if self.errored:
            return "incomplete"
        if self.edition.unsupported:
            return "unsupported"
        if not self._with(Outcome.PASSED):
            return "nothing judged"
        if self.strict and self.gaps:
            return "not conformant"
        return "conformant"

    @property
    def verdict_sentence(self) -> str:
        counts = {o: len(self._with(o)) for o in Outcome}
        tally = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n) or "none selected"
        verdict = self.verdict
        if verdict == "interrupted":
            return (
                f"INTERRUPTED by {signal_name(self.interrupted_by)}: the run stopped before its "
                f"end, so no verdict can be given; partial results ({tally})."
            )
        if verdict == "not conformant" and not self.failed:
            return (
                f"NOT CONFORMANT (--strict): {len(self.gaps)} requirement(s) not fully run: "
                f"{', '.join(self.gaps)} ({tally})."
            )
        return {
            "plan": "Plan only: nothing was sent.",
            "not conformant": f"NOT CONFORMANT: {counts[Outcome.FAILED]} requirement(s) failed "
            f"({tally}).",
            "incomplete": f"INCOMPLETE: the suite itself broke on {counts[Outcome.ERROR]} "
            f"requirement(s), so no verdict can be given ({tally}).",
            "unsupported": f"UNSUPPORTED: {self.edition_observed or 'replication is not available'}"
            f"; nothing deviated ({tally}).",
            "nothing judged": "NO VERDICT: the run judged no requirement, so it cannot say the "
            f"target conforms ({tally}).",
            "conformant": f"CONFORMANT: every judged requirement passed ({tally}).",
        }[verdict]

    @property
    def exit_code(self) -> int:
        if self.interrupted_by is not None:
            return 128 + int(self.interrupted_by)
        return {
            "plan": 0,
            "conformant": 0,
            "not conformant": 1,
            "unsupported": 1,
            "incomplete": 2,
            "nothing judged": 2,
        }[self.verdict]


@contextmanager
def open_target(settings: Settings) -> Iterator[tuple[str, str | None, str]]:
    """(base URL, sudo token, description): the given URL, or a fresh embedded server."""
    if settings.url is not None:
        yield settings.url, settings.token, settings.url
        return
    if settings.plan:
        yield (
            PLAN_EMBEDDED_URL,
            settings.token or "embedded-root-token",
            "the embedded reference server (a free loopback port when run)",
        )
        return
    from reference_server.config import ServerConfig
    from reference_server.embedded import EmbeddedServer

    token = settings.token or f"hvs.{secrets.token_urlsafe(24)}"
    try:
        server = EmbeddedServer(
            ServerConfig(root_token=token, reindex_stage_seconds=EMBEDDED_REINDEX_STAGE_SECONDS)
        ).start()
    except RuntimeError as exc:
        raise RunAborted(f"the embedded reference server could not start: {exc}") from None
    try:
        yield server.url, server.root_token, f"the embedded reference server at {server.url}"
    finally:
        server.stop()


def run(
    settings: Settings, listener: Listener | None = None, stop: StopRequest | None = None
) -> RunResult:
    """Judge the target ``settings`` describe; see the module docstring for the contract.

    ``stop`` lets the caller share the run's stop request (the CLI keeps ignoring further
    signals after the run, while it writes the reports)."""
    listener = listener or _Silent()
    selection = _selection(settings)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
    profile = settings.resolved_profile
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    listener.message(f"seed: {seed}  (replay with --seed {seed})")
    stop = stop if stop is not None else StopRequest()
    try:
        with stopping_on_signals(stop), open_target(settings) as target:
            base_url, sudo_token, description = target
            masker = Masker.for_tokens(sudo_token, settings.non_sudo_token)
            listener.message(f"target: {description}  profile: {profile}")
            with RecordingClient(
                settings, base_url, masker, plan=settings.plan, stop=stop
            ) as client:
                opened = Session(settings, client, selection, listener, seed, profile, sudo_token)
                if settings.budget is not None:
                    # The budget counts from the run's start, the embedded server's too.
                    opened.state.deadline = started + settings.budget
                result = opened.execute(description, base_url)
    except RunInterrupted as exc:
        if exc.result is not None:
            exc.result.started_at = started_at
            exc.result.duration_s = time.perf_counter() - started
        raise
    result.started_at = started_at
    result.duration_s = time.perf_counter() - started
    return result


def _selection(settings: Settings) -> Selection:
    """The ``-k`` selection; one that selects no check and no judge stops the run (exit 2)
    before anything is sent: a run that judges nothing cannot give a verdict."""
    try:
        selection = Selection(settings.keyword)
    except SelectionError as exc:
        raise RunAborted(str(exc)) from None
    chosen = [c for c in registered() if selection.matches(c.id, c.requirement)]
    chosen += [j for j in registered_judges() if selection.matches(j.id, j.requirement)]
    watcher_id = f"{WAL_REQUIREMENT}::{WalWatcher.name}"
    if not chosen and not selection.matches(watcher_id, WAL_REQUIREMENT):
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
) -> Iterator[Session]:
    """An open run whose checks the caller runs one at a time (the pytest plugin: one per test).

    On entry the status has been read (edition, cluster ids) and missing tokens provisioned; on
    exit whatever was provisioned is removed. Raises ``RunAborted`` like ``run``.
    """
    selection = _selection(settings)
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
            listener or _Silent(),
            seed,
            settings.resolved_profile,
            sudo_token,
        )
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
        if not sudo_token:
            self.reasons["sudo"] = "no --token (or VAULT_TOKEN) was given"
        self.edition = Edition.UNKNOWN
        self.edition_observed = ""
        #: Why no state-changing call may be made (full profile, cluster ids not read).
        self.mutation_blocked: str | None = None
        self.notes: list[str] = []
        self.plan_lines: list[str] = []
        self.cluster_ids: dict[str, dict[str, Any]] = {}
        judges = [j for j in registered_judges() if selection.matches(j.id, j.requirement)]
        self.panel = JudgePanel(judges, client.mask, client.masker.mask)
        client.observers.append(self.panel)
        client.watchers.append(self.state.wal)
        self.state.wal.mask = client.mask
        self.judges: list[Judge] = judges

    def ordered_checks(self) -> list[Check]:
        """The selected checks in run order: the non-mutating ones, then the mutating ones.

        With a ``--budget``, the checks that fill the time left (the fuzzer) come last, so
        every other check runs whatever the budget, and generation gets what remains."""
        checks = [c for c in registered() if self.selection.matches(c.id, c.requirement)]
        ordered = [c for c in checks if not c.mutating] + [c for c in checks if c.mutating]
        if self.settings.budget is None:
            return ordered
        return [c for c in ordered if not c.fills_budget] + [c for c in ordered if c.fills_budget]

    @contextmanager
    def opened(self) -> Iterator[None]:
        """Look the tokens up, probe and provision on entry, remove what was provisioned on
        exit. A target without the replication API gets nothing provisioned."""
        try:
            self._preflight()
            self._probe()
            if self.edition is Edition.ABSENT:
                yield
                return
            with self._provisioned():
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
        all_results = check_results + judge_results
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
        judges = {(j.requirement, j.name): j for j in self.judges}
        item = judges.get((result.requirement, result.name))
        if self.edition is Edition.ABSENT and item is not None and not item.any_edition:
            result.outcome, result.reason = Outcome.UNSUPPORTED, self.edition_observed
            result.findings = []
        return result

    # --- before the checks --------------------------------------------------------------------
    def _preflight(self) -> None:
        """Look every given token up before anything else: a token the target does not know
        (invalid, expired, revoked) or cannot use stops the run with one sentence (exit 2) —
        the target is not to blame for a wrong token."""
        if self.client.plan:
            return
        given = [("--token", self.state.sudo)]
        if self.settings.non_sudo_token:
            given.append(("--non-sudo-token", Credential(self.settings.non_sudo_token)))
        for flag, credential in given:
            if credential is None:
                continue
            problem = token_problem(self.client, credential)
            if problem is not None:
                raise RunAborted(self.client.masker.mask(f"the {flag} {problem}"))

    def _probe(self) -> None:
        """Read the status once: edition and cluster ids, before any state-changing call.

        A plan records the read unsent and assumes Enterprise (every check is planned)."""
        operation = contract.operation_for("GET", STATUS)
        exchange = self.client.send(
            "GET",
            STATUS,
            purpose="read the edition and cluster ids",
            origin="probe",
            operation=operation.key if operation else None,
        )
        self.edition = Edition.ENTERPRISE if self.client.plan else detect(exchange)
        self.edition_observed = observed(self.edition, exchange)
        for name, section in sections(exchange):
            self.cluster_ids[name] = {
                "mode": section.get("mode"),
                "cluster_id": section.get("cluster_id"),
            }
        if self.cluster_ids:
            ids = ", ".join(
                f"{name} {v['mode']} {v['cluster_id'] or '-'}"
                for name, v in self.cluster_ids.items()
            )
            self.listener.message(f"cluster ids (read before any state-changing call): {ids}")
        elif self.state.profile == "full" and not self.client.plan:
            self.mutation_blocked = (
                f"the target's cluster ids could not be read (status answered "
                f"{exchange.status}), so no state-changing call is made"
            )
            self.listener.message(f"full profile: {self.mutation_blocked}")
            # The fuzzer, too, keeps to requests that cannot succeed at changing state.
            self.state.profile = "safe"
        if self.edition.unsupported:
            self.listener.message(f"edition: {self.edition_observed}")
            self.notes.append(self.edition_observed)

    @contextmanager
    def _provisioned(self) -> Iterator[None]:
        """Fill in the non-sudo and no-update credentials, cleaning up on the way out."""
        state, masker = self.state, self.client.masker
        given = self.settings.non_sudo_token
        if given:
            state.non_sudo = Credential(given)
            self._refuse_non_sudo_with_sudo()
        if state.sudo is None:
            self.reasons.setdefault(
                "non_sudo", "no --non-sudo-token, and no --token to provision one"
            )
            self.reasons["no_update"] = "no --token to provision a token without update"
            yield
            return
        provisioner = Provisioner(self.client, state.sudo, want_non_sudo=not given)
        if self.client.plan:
            self.plan_lines.extend(provisioner.plan_lines())
            if not given:
                state.non_sudo = Credential("provisioned-non-sudo-token")
                masker.add(state.non_sudo.token, NON_SUDO_LABEL)
            state.no_update = Credential("provisioned-no-update-token")
            masker.add(state.no_update.token, NO_UPDATE_LABEL)
            yield
            return
        try:
            with provisioner as made:
                if not given:
                    state.non_sudo = made.non_sudo
                state.no_update = made.no_update
                for kind, reason in made.reasons.items():
                    self.reasons[kind.replace("-", "_")] = masker.mask(reason)
                if made.tokens:
                    self.listener.message(
                        f"provisioned {len(made.tokens)} token(s) and {len(made.policies)} "
                        "policy(ies); they are removed at the end of the run"
                    )
                yield
        finally:
            self._report_cleanup(provisioner.result.cleaned, provisioner.result.cleanup_problems)

    def _report_cleanup(self, cleaned: list[str], problems: list[str]) -> None:
        """Say what cleanup removed, and what it could not with how to do it by hand."""
        masker = self.client.masker
        if cleaned:
            self.listener.message(f"cleanup: {'; '.join(map(masker.mask, cleaned))}")
        for problem in map(masker.mask, problems):
            self.notes.append(f"cleanup: {problem}")
            self.listener.message(f"WARNING cleanup: {problem}")

    def _refuse_non_sudo_with_sudo(self) -> None:
        """A --non-sudo-token that has sudo would make every sudo check pass for nothing."""
        if self.client.plan or self.state.non_sudo is None:
            return
        path = "sys/replication/reindex"
        verdict = has_sudo(self.client, self.state.non_sudo, path)
        if verdict is True:
            self.state.non_sudo = None
            self.reasons["non_sudo"] = (
                f"the --non-sudo-token has sudo on {path}, so it cannot show that sudo is enforced"
            )
        elif verdict is None:
            # Assuming it lacks sudo could start a real reindex on a live cluster.
            self.state.non_sudo = None
            self.reasons["non_sudo"] = (
                f"the target would not say whether the --non-sudo-token has sudo on {path} "
                "(sys/capabilities-self was refused), so it is not used"
            )

    # --- the checks ---------------------------------------------------------------------------
    def run_judged(self, item: Check) -> tuple[CheckResult, list[CheckResult]]:
        """Run one check under a judge panel of its own: its result, and the judges' verdicts
        on the exchanges it sent (the run's own panel does not see them)."""
        with self.judged_apart() as panel:
            result = self.run_check(item)
        return result, self.judge_results(panel)

    def watch_judged(self) -> tuple[list[CheckResult], list[CheckResult]]:
        """``watch_results`` under a judge panel of its own, as ``run_judged`` runs a check."""
        with self.judged_apart() as panel:
            results = self.watch_results()
        return results, self.judge_results(panel)

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
        ``conformance.scheduling`` tells it in the run's order)."""
        result = CheckResult(item.requirement, item.name, Outcome.NOT_RUN)
        reason = self._why_not(item, result)
        if reason is not None:
            result.outcome, result.reason = reason
        else:
            self._execute(item, result)
        return result

    def watch_results(self) -> list[CheckResult]:
        """The run-wide watchers' verdicts, after a last status read; call once, after the
        checks (the WAL watcher has seen every status answer of the run until then)."""
        watcher = self.state.wal
        if not self.selection.matches(watcher.id, WAL_REQUIREMENT):
            return []
        result = CheckResult(WAL_REQUIREMENT, watcher.name, Outcome.NOT_RUN)
        started = time.perf_counter()
        if self.edition.unsupported:
            result.outcome, result.reason = Outcome.UNSUPPORTED, self.edition_observed
        else:
            operation = contract.operation_for("GET", STATUS)
            self.client.send(
                "GET",
                STATUS,
                purpose="a last read: WAL counters at the end of the run",
                origin=watcher.name,
                operation=operation.key if operation else None,
            )
            result.findings = watcher.take()
            result.exchanges = result.judged = watcher.reads
            if watcher.hidden:
                result.notes.append(f"{watcher.hidden} more step(s) back not shown")
            if self.client.plan:
                result.reason = "plan only: nothing was sent"
            elif result.findings:
                result.outcome = Outcome.FAILED
            elif watcher.reads:
                result.outcome = Outcome.PASSED
            else:
                result.reason = "no status answer of the run carried a WAL counter"
        result.duration_s = time.perf_counter() - started
        self.listener.check_finished(result)
        return [result]

    def would_run(self, item: Check) -> bool:
        """Whether ``item`` would run now (not skipped for the edition, profile or a token)."""
        probe = CheckResult(item.requirement, item.name, Outcome.NOT_RUN)
        return self._why_not(item, probe) is None

    def _why_not(self, item: Check, result: CheckResult) -> tuple[Outcome, str] | None:
        if self.edition is Edition.ABSENT or (
            self.edition is Edition.COMMUNITY and not item.any_edition
        ):
            return Outcome.UNSUPPORTED, self.edition_observed
        if item.mutating and self.mutation_blocked:
            return Outcome.NOT_RUN, self.mutation_blocked
        if item.mutating and self.state.profile != "full":
            result.by_choice = True
            return Outcome.NOT_RUN, (
                "it needs a request that changes the target's state; runs only with --profile full"
            )
        for need in item.needs:
            if getattr(self.state, need) is None:
                return Outcome.NOT_RUN, self.reasons.get(need, f"no {need} token")
        return None

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
            if self.client.plan:
                result.outcome, result.reason = Outcome.NOT_RUN, "plan only: nothing was sent"
            elif result.findings:
                result.outcome, result.reason = Outcome.FAILED, ""
            elif result.judged:
                result.outcome, result.reason = Outcome.PASSED, ""
            else:
                result.outcome = Outcome.NOT_RUN
                result.reason = result.reason or (
                    f"nothing to judge in the {result.exchanges} answer(s) it got"
                )
        result.duration_s = time.perf_counter() - started


def per_requirement(results: list[CheckResult]) -> dict[str, RequirementResult]:
    """Results grouped by requirement, in catalogue order, each combined into one outcome."""
    by_id: dict[str, list[CheckResult]] = {}
    for result in results:
        by_id.setdefault(result.requirement, []).append(result)
    return {
        req.id: combine(req.id, by_id[req.id])
        for req in replcheck_spec.requirements()
        if req.id in by_id
    }
