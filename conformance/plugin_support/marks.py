"""``@pytest.mark.replcheck_requirement("ID", ...)``: a user's test counts for requirements.

The ids must exist in ``spec/requirements.yaml``; an unknown id is a usage error naming the
test and the closest known ids. A marked test's outcome joins the engine's results for each of
its requirements, so it shows in the requirement table of the JSON and HTML reports:

- passed -> passed;
- failed through ``target_deviates`` (``plugin_support.deviation``) -> a finding against the
  target, with what the test says it did and what was expected;
- failed any other way (a plain ``assert``, an exception): the test's own failure, not the
  target's -> *not run* by that test, the failure as the reason (pytest still fails the test);
- an error in setup or teardown -> error; skipped -> not run.

The requests the test sent through the plugin's clients are counted with it.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from replcheck.conformance.judging.outcomes import CheckResult, Outcome

MARKER = "replcheck_requirement"
MARKER_HELP = (
    f"{MARKER}(*ids): count this test for these requirement ids of replcheck's catalogue "
    "(spec/requirements.yaml), in replcheck's reports"
)
#: The report attributes carrying a marked test's ids, the requests it sent so far and, when it
#: failed through ``target_deviates``, the deviation (message, expected) to the controlling
#: xdist process.
REPORT_ATTRIBUTE = "replcheck_requirements"
REQUESTS_ATTRIBUTE = "replcheck_requests"
DEVIATION_ATTRIBUTE = "replcheck_deviation"


def requirement_ids(item: pytest.Item) -> list[str]:
    """The ids a test is marked with; ``pytest.UsageError`` for an unknown or missing id."""
    marks = list(item.iter_markers(MARKER))
    if not marks:
        return []
    from replcheck import spec
    known = [req.id for req in spec.requirements()]
    ids: list[str] = []
    for mark in marks:
        if not mark.args:
            raise pytest.UsageError(f"{item.nodeid}: @{MARKER}() needs at least one id")
        for value in mark.args:
            if value not in known:
                close = difflib.get_close_matches(str(value), known, n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise pytest.UsageError(
                    f"{item.nodeid}: @{MARKER}({value!r}) is not a requirement id of "
                    f"replcheck's catalogue{hint}; `replcheck requirements` lists them"
                )
            ids.append(value)
    return list(dict.fromkeys(ids))


def outcome_of(report: pytest.TestReport) -> tuple[Outcome, str] | None:
    """What one phase's report says about the test, or None when it says nothing new."""
    from replcheck.conformance.judging.outcomes import Outcome

    if report.failed:
        if report.when != "call":
            return Outcome.ERROR, f"error in {report.when}: {_crash(report)}"
        deviation = getattr(report, DEVIATION_ATTRIBUTE, None)
        if deviation:
            return Outcome.FAILED, str(deviation[0])
        return Outcome.NOT_RUN, (
            f"{report.nodeid} failed on its own ({_crash(report)}), not through "
            "target_deviates(): a failure of the test, not a finding against the target"
        )
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return Outcome.NOT_RUN, reason.removeprefix("Skipped: ")
    if report.when == "call":
        return Outcome.PASSED, ""
    return None


def record(
    results: dict[str, CheckResult], report: pytest.TestReport, requirements: list[str]
) -> None:
    """Fold one phase's report into the results of a marked test (one per requirement): the
    worst phase wins (error, then failed, then not run, then passed)."""
    from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome

    rank = {Outcome.PASSED: 0, Outcome.NOT_RUN: 1, Outcome.FAILED: 2, Outcome.ERROR: 3}
    seen = outcome_of(report)
    if seen is None:
        return
    outcome, reason = seen
    sent = int(getattr(report, REQUESTS_ATTRIBUTE, 0) or 0)
    for requirement in requirements:
        key = f"{report.nodeid}|{requirement}"
        result = results.setdefault(key, CheckResult(requirement, report.nodeid, outcome, reason))
        result.exchanges = max(result.exchanges, sent)
        if outcome is Outcome.PASSED:
            result.judged = 1
        if rank[outcome] < rank[result.outcome]:
            continue
        result.outcome, result.duration_s = outcome, result.duration_s + report.duration
        result.reason = "" if outcome is Outcome.FAILED else reason
        if outcome is Outcome.FAILED:
            deviation = getattr(report, DEVIATION_ATTRIBUTE, None) or [reason, ""]
            result.findings = [
                Finding(
                    requirement,
                    f"{report.nodeid}: {deviation[0]}",
                    str(deviation[1]) or "the test marked with this requirement passes",
                    None,
                    source=report.nodeid,
                )
            ]


def _crash(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if message:
        return str(message)
    text = report.longreprtext.strip().splitlines()
    return text[-1] if text else "failed"
