"""Reports of a run: terminal, JUnit XML, JSON, HTML. All read a ``RunResult``, whose exchanges
are already masked; each writer also passes its final text through the run's secrets check in
tests (no token may appear in any of them)."""

from conformance.report.html import render_html
from conformance.report.json import render_json
from conformance.report.junit import render_junit
from conformance.report.terminal import TerminalReporter

__all__ = ["TerminalReporter", "render_html", "render_json", "render_junit"]
