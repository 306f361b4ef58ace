"""The terminal summary and JUnit de-duplicate findings; a progress bar shows on a TTY only."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from report_fixtures import broken_run

from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.report import TerminalReporter, render_junit


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _summary(stream: io.StringIO | None = None) -> str:
    stream = stream or io.StringIO()
    TerminalReporter(stream).summary(broken_run())
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


def _checks(reporter: TerminalReporter, count: int) -> None:
    reporter.checks_planned(count)
    for n in range(count):
        reporter.check_finished(CheckResult("STATUS-METHODS", f"check_{n}", Outcome.PASSED))


def test_plain_lines_when_the_output_is_not_a_terminal() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    _checks(reporter, 3)
    reporter.summary(broken_run())
    out = stream.getvalue()
    assert "\x1b" not in out and "━" not in out
    assert out.startswith("  passed      STATUS-METHODS::check_0\n")


def test_a_progress_bar_on_a_terminal() -> None:
    stream = _Terminal()
    reporter = TerminalReporter(stream)
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
        str(Path(sys.executable).parent / "replcheck"), "run", "-k", "STATUS-UNAUTHENTICATED",
        "--seed", "3",
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
