"""Reports of a run: terminal, JUnit XML, JSON, HTML. All read a ``RunResult``, whose exchanges
are already masked; each writer also passes its final text through the run's secrets check in
tests (no token may appear in any of them)."""

from replcheck.conformance.report.html import render_html
from replcheck.conformance.report.json import render_json
from replcheck.conformance.report.junit import render_junit
from replcheck.conformance.report.terminal import TerminalReporter

__all__ = ["TerminalReporter", "render_html", "render_json", "render_junit"]
