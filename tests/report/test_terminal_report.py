"""The terminal summary and JUnit de-duplicate findings; a passing run fits in a screen, with
what did not pass one line per reason and each note once (``--verbose`` lists everything); a
progress bar shows on a TTY only."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from report_fixtures import (
    GENERIC,
    LONG_TOKEN_NOTE,
    NO_API,
    NO_TOKEN,
    broken_run,
    gaps_run,
    unsupported_run,
)

from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.report import TerminalReporter, render_junit


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _summary(stream: io.StringIO | None = None, run=None, verbose: bool = False) -> str:
    stream = stream or io.StringIO()
    TerminalReporter(stream, verbose=verbose).summary(run or broken_run())
    return stream.getvalue()


def test_identical_findings_are_printed_once_with_their_count() -> None:
    out = _summary()
    assert "Failures (23 distinct, 35 in all)" in out
    assert out.count("answered 401") == 1
    assert "answered 401  [on 10 requests]" in out
    assert "   seen on:" in out and "... and 5 more" in out
    assert out.count("not-a-uuid") == 2  # the headline and the 1.5 KB body, once each
    assert "   at:          $.data.dr.cluster_id" in out
    assert "\x1b" not in out and "\x00" not in out and "\ufffd" not in out
    assert "\\x00oops\\x1b[0m\\ufffd" in out


def test_junit_lists_a_repeated_finding_once() -> None:
    suite = ET.fromstring(render_junit(broken_run()))
    failures = {
        case.get("classname"): case.find("failure")
        for case in suite.findall("testcase")
        if case.find("failure") is not None
    }
    text = failures["VAULT-FORBIDDEN-NOT-401"].text or ""
    assert text.count("expected: 403") == 1 and "seen on 10 requests:" in text
    assert "\\x00oops\\x1b[0m\\ufffd" in (failures["VAULT-ERROR-BODY"].text or "")


def test_a_failure_is_shown_in_full_without_verbose() -> None:
    short, verbose = _summary(), _summary(verbose=True)
    failures = short[short.index("Failures (23 distinct"):]
    assert failures == verbose[verbose.index("Failures (23 distinct"):]
    assert "  FAILED      VAULT-FORBIDDEN-NOT-401 [MUST]" in short
    assert "  passed      STATUS-UNAUTHENTICATED" not in short  # passed: counted only
    assert "  passed      STATUS-UNAUTHENTICATED [MUST]" in verbose


def test_a_run_without_the_replication_api_says_why_once() -> None:
    reporter_out = io.StringIO()
    reporter = TerminalReporter(reporter_out)
    reporter.message(f"edition: {NO_API}")
    for requirement in ("STATUS-SCHEMA", "REINDEX-SUDO"):
        reporter.check_finished(CheckResult(requirement, "check", Outcome.UNSUPPORTED, NO_API))
    reporter.summary(unsupported_run())
    out = reporter_out.getvalue()
    assert out.count(NO_API) == 1  # in the verdict only
    assert "::check" not in out  # no line per unsupported check
    assert "  unsupported 35 requirements: edition: see the verdict\n" in out
    assert "STATUS-SCHEMA" not in out  # the 31 ids: --verbose
    assert len(out.splitlines()) <= 8, out
    verbose = io.StringIO()
    reporter = TerminalReporter(verbose, verbose=True)
    reporter.message(f"edition: {NO_API}")
    reporter.check_finished(CheckResult("STATUS-SCHEMA", "check", Outcome.UNSUPPORTED, NO_API))
    reporter.summary(unsupported_run())
    shown = verbose.getvalue()
    assert shown.count(NO_API) == 2  # as it came, and in the verdict
    assert "STATUS-SCHEMA::check  (edition: see the verdict)" in shown
    assert shown.count("  - edition: see the verdict") == 35


def test_the_unsupported_verdict_says_what_was_judged_on_what() -> None:
    sentence = unsupported_run().verdict_sentence
    assert sentence == (
        f"UNSUPPORTED: {NO_API}. 35 of 41 requirement(s) need that API and could not be judged; "
        f"the other {len(GENERIC)} passed on the 1 answer received; nothing deviated."
    )


def test_requirements_not_judged_are_one_line_per_reason_and_notes_print_once() -> None:
    out = _summary(run=gaps_run())
    assert "Requirements (41): 37 passed, 1 partial, 3 not run\n" in out
    assert f"  not run     3 requirements: {NO_TOKEN}\n" in out
    assert "      RECOVER-METHODS, REINDEX-METHODS, VAULT-BEARER-TOKEN\n" in out
    assert (
        f"  partial     1 requirement: accepts_valid_token not run: {NO_TOKEN}\n"
        "      STATUS-IGNORES-TOKEN\n"
    ) in out
    assert out.count(LONG_TOKEN_NOTE) == 1
    assert f"note (RECOVER-AUTH, REINDEX-AUTH): {LONG_TOKEN_NOTE}" in out
    # The verdict names the partial requirement as not fully run, and counts it as partial.
    assert "not fully run: STATUS-IGNORES-TOKEN, RECOVER-METHODS" in out
    assert "(37 passed, 1 partial, 3 not run)" in out
    verbose = _summary(run=gaps_run(), verbose=True)
    assert "  partial     STATUS-IGNORES-TOKEN [MUST]  - accepts_valid_token not run" in verbose
    assert verbose.count(LONG_TOKEN_NOTE) == 2  # under each requirement


def test_a_passing_run_fits_in_a_screen() -> None:
    out = _summary(run=gaps_run(strict=False))
    assert out.rstrip().splitlines()[-3].startswith("CONFORMANT")  # then the scope, the facts
    assert len(out.splitlines()) <= 20, out


def _checks(reporter: TerminalReporter, count: int) -> None:
    reporter.checks_planned(count)
    for n in range(count):
        reporter.check_finished(CheckResult("STATUS-METHODS", f"check_{n}", Outcome.PASSED))


def test_plain_lines_when_the_output_is_not_a_terminal() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream, verbose=True)
    _checks(reporter, 3)
    reporter.summary(broken_run())
    out = stream.getvalue()
    assert "\x1b" not in out and "━" not in out
    assert out.startswith("  passed      STATUS-METHODS::check_0\n")


def test_only_checks_that_fail_print_as_they_end_without_verbose() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    _checks(reporter, 3)
    reporter.check_finished(CheckResult("STATUS-METHODS", "bad", Outcome.FAILED))
    reporter.check_finished(CheckResult("STATUS-METHODS", "broke", Outcome.ERROR, "boom"))
    reporter.check_finished(CheckResult("STATUS-METHODS", "skipped", Outcome.NOT_RUN, "why"))
    assert stream.getvalue() == (
        "  FAILED      STATUS-METHODS::bad\n  ERROR       STATUS-METHODS::broke  (boom)\n"
    )


def test_a_progress_bar_on_a_terminal() -> None:
    stream = _Terminal()
    reporter = TerminalReporter(stream, verbose=True)
    _checks(reporter, 3)
    during = stream.getvalue()
    reporter.summary(broken_run())
    assert "━" in during and "0/3" in during  # the bar
    assert "STATUS-METHODS::check_2" in during  # check lines print above it
    out = stream.getvalue()
    assert "3/3" in out  # complete when it is taken down, before the summary
    after = out[out.index("3/3") :]
    assert "Failures (23 distinct, 35 in all)" in after and "━" not in after


def test_the_cli_draws_the_bar_on_a_pty_only(tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "replcheck"), "run", "--embedded",
        "-k", "STATUS-UNAUTHENTICATED",
        "--seed", "3", "--verbose",
    ]
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("VAULT_ADDR", None)
    env.pop("VAULT_TOKEN", None)
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=secondary, stderr=secondary, stdin=subprocess.DEVNULL, env=env,
            cwd=tmp_path,
        )
        os.close(secondary)
        chunks = []
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(primary)
    on_tty = b"".join(chunks).decode("utf-8", "replace")
    assert "━" in on_tty and "STATUS-UNAUTHENTICATED::" in on_tty
    piped = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert "━" not in piped.stdout and "\x1b" not in piped.stdout
    assert "STATUS-UNAUTHENTICATED::" in piped.stdout
