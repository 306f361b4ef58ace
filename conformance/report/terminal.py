"""What a person reads: progress while the run goes, then a summary grouped by requirement, and
for each distinct failure what was sent, what came back, what was expected and a curl line
(masked); a finding repeated on several requests is printed once, "on N requests".

A passing run fits in a screen: a check is printed as it ends only when it failed or errored;
the summary counts the requirements that passed and lists the others one line per outcome and
reason (the 31 requirements a server without the replication API cannot answer are one line,
not 31); each note is printed once with the requirements it concerns. ``verbose`` prints every
check and every requirement as well. A failure is always shown in full. A topology run's set
(``RunResult.topology``) follows the requirements, one line per link (``topology_lines``).

On a terminal (a TTY) a progress bar (rich) stays under the check lines while the run goes; in
CI, where the output is a file or a pipe, only plain lines are written, with no control codes.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from replcheck import spec
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import PARTIAL, PLAN_ONLY, CheckResult, Outcome
from replcheck.conformance.report.grouping import (
    EDITION_SEE_VERDICT,
    FindingGroup,
    by_reason,
    group_findings,
    label,
    shared_notes,
    wrapped,
)
from replcheck.conformance.report.topology_lines import fold_notes, topology_lines
from replcheck.conformance.transport.exchange import Exchange, visible

_MARK = {
    Outcome.PASSED.value: "passed",
    Outcome.FAILED.value: "FAILED",
    Outcome.ERROR.value: "ERROR",
    Outcome.NOT_RUN.value: "not run",
    Outcome.UNSUPPORTED.value: "unsupported",
    PARTIAL: "partial",
}
#: Outcomes whose requirements the short summary lists one line per reason.
_BY_REASON = (PARTIAL, Outcome.NOT_RUN.value, Outcome.UNSUPPORTED.value)

_BODY_LIMIT = 600
#: Requests listed under a finding seen on several; the rest are counted.
_REQUESTS_LISTED = 5
#: How the runner announces an edition without replication (``Session._probe``).
_EDITION = "edition: "


class TerminalReporter:
    """A ``runner.Listener`` that prints progress, plus the final summary."""

    def __init__(
        self, stream: TextIO | None = None, progress: bool | None = None, verbose: bool = False
    ) -> None:
        self.stream = stream or sys.stdout
        #: Every check as it ends and every requirement in the summary, not only what did not
        #: pass.
        self.verbose = verbose
        #: The edition sentence (a target without the replication API): the verdict states it,
        #: so it is printed as it comes only under ``verbose``, and no unsupported line repeats
        #: it.
        self._edition = ""
        #: Show a progress bar: by default only when the output is a terminal.
        self.progress = _is_tty(self.stream) if progress is None else progress
        self._bar: Any = None
        self._task: Any = None
        self._total = 0

    def _print(self, text: str = "") -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
            return
        print(text, file=self.stream, flush=True)

    # --- the progress bar (a TTY only) ------------------------------------------------------
    def checks_planned(self, total: int) -> None:
        """The runner says how many checks it will run: start the bar (on a TTY)."""
        if not self.progress or total <= 0 or self._bar is not None:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(file=self.stream, force_terminal=True)
        self._bar = Progress(
            TextColumn("checks"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        self._total = total
        self._task = self._bar.add_task("", total=total)
        self._bar.start()

    def _advance(self, result: CheckResult) -> None:
        if self._bar is None:
            return
        done = self._bar.tasks[0].completed
        if done < self._total:
            self._bar.update(
                self._task, advance=1, description=result.id
            )

    def close(self) -> None:
        """Take the progress bar down (the summary is printed below it)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # --- progress (runner.Listener) ----------------------------------------------------------
    def message(self, text: str) -> None:
        if text.startswith(_EDITION):
            self._edition = text.removeprefix(_EDITION)
            if not self.verbose:
                return
        self._print(f"replcheck: {text}")

    def check_finished(self, result: CheckResult) -> None:
        shown = self.verbose or result.outcome in (Outcome.FAILED, Outcome.ERROR)
        if result.reason == PLAN_ONLY:  # every check of a plan: the plan says it once
            shown = False
        if shown:
            detail = (
                f"  ({result.reason})"
                if result.reason and result.outcome is not Outcome.PASSED
                else ""
            )
            if result.outcome is Outcome.UNSUPPORTED and result.reason == self._edition:
                detail = "  (edition: see the verdict)"
            self._print(
                f"  {_MARK[result.outcome.value]:<11} {result.id}{visible(detail)}"
            )
        self._advance(result)

    # --- the end ------------------------------------------------------------------------------
    def summary(self, result: RunResult) -> None:
        self.close()
        if result.plan:
            self._plan(result)
            return
        self._print()
        if self.verbose:
            self._every_requirement(result)
        else:
            self._requirements_in_short(result)
        if result.topology is not None:
            self._print()
            for line in topology_lines(result.topology, timelines=self.verbose):
                self._print(line)
        groups = [g for r in result.results.values() for g in group_findings(r.findings)]
        if groups:
            total = sum(group.count for group in groups)
            self._print()
            more = f", {total} in all" if total != len(groups) else ""
            self._print(f"Failures ({len(groups)} distinct{more})")
            for number, group in enumerate(groups, 1):
                self.finding(number, group)
        for note in result.notes:
            if note != result.edition_observed:  # the verdict says it
                self._print(f"note: {note}")
        if result.cases_per_operation:
            cases = ", ".join(f"{op} {n}" for op, n in result.cases_per_operation.items())
            budget = result.settings.get("budget")
            within = f" (budget {budget:g} s)" if budget else ""
            self._print(f"generated cases per operation{within}: {cases}")
        self._print()
        self._print(f"{result.verdict_sentence}")
        self._print(result.scope_sentence)
        self._print(
            f"target {result.target_url}, profile {result.profile}, seed {result.seed}, "
            f"{_requests(result.requests_sent)}, {result.duration_s:.1f} s, "
            f"spec {result.spec_hash[:12]}"
        )

    def _every_requirement(self, result: RunResult) -> None:
        """``--verbose``: one line per requirement, with its notes."""
        self._print("Requirements")
        for requirement_id, outcome in result.results.items():
            level = spec.requirement(requirement_id).level
            reason = f"  - {outcome.reason}" if outcome.reason else ""
            if outcome.outcome is Outcome.UNSUPPORTED and outcome.reason == result.edition_observed:
                reason = f"  - {EDITION_SEE_VERDICT}"
            self._print(f"  {_MARK[label(outcome)]:<11} {requirement_id} [{level}]{reason}")
            for note in outcome.notes:
                self._print(f"              note: {note}")

    def _requirements_in_short(self, result: RunResult) -> None:
        """The counts, each failed or errored requirement on its line, the rest one line per
        outcome and reason, and each note once."""
        results = result.results
        self._print(f"Requirements ({len(results)}): {result.tally()}")
        for requirement_id, outcome in results.items():
            if outcome.outcome in (Outcome.FAILED, Outcome.ERROR):
                level = spec.requirement(requirement_id).level
                reason = f"  - {outcome.reason}" if outcome.reason else ""
                self._print(
                    f"  {_MARK[outcome.outcome.value]:<11} {requirement_id} [{level}]"
                    f"{visible(reason)}"
                )
        for group in by_reason(results, _BY_REASON, result.edition_observed):
            count = len(group.requirements)
            counted = f"{count} requirement{'' if count == 1 else 's'}"
            self._print(f"  {_MARK[group.label]:<11} {counted}: {visible(group.reason)}")
            # Every one the API serves, or every requirement about a set: ids with --verbose.
            if group.reason not in (EDITION_SEE_VERDICT, spec.TOPOLOGY_PENDING,
                                    spec.TOPOLOGY_UNJUDGED):
                for line in wrapped(group.requirements, "      "):
                    self._print(line)
        notes = shared_notes(results)
        if result.topology is not None:  # one note per link or cluster, folded
            notes = fold_notes(notes, result.topology)
        for note, ids in notes:
            self._print(f"note ({', '.join(ids)}): {visible(note)}")
        self._print("(every check and requirement, one line each: --verbose)")

    def finding(self, number: int, group: FindingGroup) -> None:
        """Print one distinct finding: requirement, expectation, the exchange and a curl line
        (masked), and the other requests it was seen on."""
        finding = group.first
        statement = spec.requirement(finding.requirement).statement
        times = f"  [on {group.count} requests]" if group.count > 1 else ""
        self._print(
            f"{number}. {finding.requirement} ({finding.source}): {visible(group.headline)}{times}"
        )
        self._print(f"   requirement: {statement}")
        self._print(f"   expected:    {finding.expected}")
        if group.json_paths:
            self._print(f"   at:          {', '.join(map(visible, group.json_paths))}")
        if finding.earlier is not None:
            self._exchange(finding.earlier, "earlier")
        if finding.exchange is not None:
            self._exchange(finding.exchange, "later" if finding.earlier is not None else "")
        if group.count > 1:
            requests = group.requests()
            self._print("   seen on:")
            for line in requests[:_REQUESTS_LISTED]:
                self._print(f"                {visible(line)}")
            if len(requests) > _REQUESTS_LISTED:
                self._print(f"                ... and {len(requests) - _REQUESTS_LISTED} more")

    def _exchange(self, exchange: Exchange, which: str = "") -> None:
        request = exchange.request
        sent = f"{which}:" if which else "sent:"
        self._print(
            f"   {sent:<13}{request.method} {visible(request.url)}"
            + (f"  ({visible(exchange.purpose)})" if exchange.purpose else "")
        )
        for name, value in request.headers:
            if name.lower() != "user-agent":
                self._print(f"                {visible(f'{name}: {value}')}")
        if request.body is not None:
            self._print(f"                {_clip(request.body)}")
        if exchange.response is not None:
            response = exchange.response
            content_type = response.header("content-type") or "no content type"
            self._print(f"   came back:   {response.status} ({visible(content_type)})")
            if response.body:
                self._print(f"                {_clip(response.body)}")
        self._print(f"   reproduce:   {exchange.curl()}")

    def _plan(self, result: RunResult) -> None:
        self._print()
        self._print(
            f"Plan for {result.target} (profile {result.profile}, seed {result.seed}); "
            "nothing is sent."
        )
        for line in result.plan_lines:
            self._print(f"  {visible(line)}")
        origin = None
        for exchange in result.exchanges:
            if exchange.origin != origin:
                origin = exchange.origin
                self._print(f"{visible(origin)}:")
            self._print(f"  {exchange.curl()}   # {visible(exchange.purpose)}")
        skipped: dict[str, list[str]] = {}
        for check in result.checks:
            if check.reason and check.reason != PLAN_ONLY:
                skipped.setdefault(check.reason, []).append(check.id)
        for reason, ids in skipped.items():
            self._print(f"not planned ({visible(reason)}):")
            for line in wrapped(ids, "  "):
                self._print(line)
        self._print(f"{len(result.exchanges)} request(s) would be sent.")


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or minimal stream
        return False


def _clip(text: str) -> str:
    """The start of a body, escaped (cut first: a body can be megabytes)."""
    shown = visible(text[:_BODY_LIMIT])
    return shown if len(text) <= _BODY_LIMIT else shown + f"... ({len(text)} chars)"


def _requests(count: int) -> str:
    return f"{count} request{'' if count == 1 else 's'}"
