"""What a person reads: progress while the run goes, then a summary grouped by requirement, and
for each failure what was sent, what came back, what was expected and a curl line (masked)."""

from __future__ import annotations

import sys
from typing import TextIO

import replcheck_spec
from conformance.exchange import Exchange, visible
from conformance.outcomes import CheckResult, Finding, Outcome
from conformance.runner import RunResult

_MARK = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "FAILED",
    Outcome.ERROR: "ERROR",
    Outcome.NOT_RUN: "not run",
    Outcome.UNSUPPORTED: "unsupported",
}
_BODY_LIMIT = 600
#: How the runner announces an edition without replication (``Session._probe``).
_EDITION = "edition: "


class TerminalReporter:
    """A ``runner.Listener`` that prints progress, plus the final summary."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        #: The edition sentence, once printed: it is not repeated on every unsupported line.
        self._edition = ""

    def _print(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    # --- progress (runner.Listener) ----------------------------------------------------------
    def message(self, text: str) -> None:
        if text.startswith(_EDITION):
            self._edition = text.removeprefix(_EDITION)
        self._print(f"replcheck: {text}")

    def check_finished(self, result: CheckResult) -> None:
        detail = (
            f"  ({result.reason})" if result.reason and result.outcome is not Outcome.PASSED else ""
        )
        if result.outcome is Outcome.UNSUPPORTED and result.reason == self._edition:
            detail = "  (edition: see above)"
        self._print(f"  {_MARK[result.outcome]:<11} {result.requirement}::{result.name}{detail}")

    # --- the end ------------------------------------------------------------------------------
    def summary(self, result: RunResult) -> None:
        if result.plan:
            self._plan(result)
            return
        self._print()
        self._print("Requirements")
        for requirement_id, outcome in result.results.items():
            level = replcheck_spec.requirement(requirement_id).level
            reason = f"  - {outcome.reason}" if outcome.reason else ""
            if outcome.outcome is Outcome.UNSUPPORTED and outcome.reason == result.edition_observed:
                reason = "  - edition: see the verdict"
            self._print(f"  {_MARK[outcome.outcome]:<11} {requirement_id} [{level}]{reason}")
            for note in outcome.notes:
                self._print(f"              note: {note}")
        failures = [f for r in result.results.values() for f in r.findings]
        if failures:
            self._print()
            self._print(f"Failures ({len(failures)})")
            for number, finding in enumerate(failures, 1):
                self.finding(number, finding)
        for note in result.notes:
            self._print(f"note: {note}")
        self._print()
        self._print(f"{result.verdict_sentence}")
        self._print(
            f"target {result.target_url}, profile {result.profile}, seed {result.seed}, "
            f"{len(result.exchanges)} requests, {result.duration_s:.1f} s, "
            f"spec {result.spec_hash[:12]}"
        )

    def finding(self, number: int, finding: Finding) -> None:
        """Print one finding: requirement, expectation, the exchange and a curl line (masked)."""
        statement = replcheck_spec.requirement(finding.requirement).statement
        self._print(f"{number}. {finding.requirement} ({finding.source}): {finding.message}")
        self._print(f"   requirement: {statement}")
        self._print(f"   expected:    {finding.expected}")
        if finding.earlier is not None:
            self._exchange(finding.earlier, "earlier")
        if finding.exchange is not None:
            self._exchange(finding.exchange, "later" if finding.earlier is not None else "")

    def _exchange(self, exchange: Exchange, which: str = "") -> None:
        request = exchange.request
        sent = f"{which}:" if which else "sent:"
        self._print(
            f"   {sent:<13}{request.method} {request.url}"
            + (f"  ({exchange.purpose})" if exchange.purpose else "")
        )
        for name, value in request.headers:
            if name.lower() != "user-agent":
                self._print(f"                {name}: {value}")
        if request.body is not None:
            self._print(f"                {_clip(request.body)}")
        if exchange.response is not None:
            response = exchange.response
            content_type = response.header("content-type") or "no content type"
            self._print(f"   came back:   {response.status} ({content_type})")
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
        skipped = [c for c in result.checks if c.reason and "plan only" not in c.reason]
        for check in skipped:
            self._print(
                f"not planned: {check.requirement}::{check.name} ({visible(check.reason)})"
            )
        self._print(f"{len(result.exchanges)} request(s) would be sent.")


def _clip(text: str) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + f"... ({len(text)} chars)"
