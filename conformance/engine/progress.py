"""What a run tells about its progress as it goes, for a terminal or a plugin."""

from __future__ import annotations

from typing import Protocol

from replcheck.conformance.judging.outcomes import CheckResult


class Listener(Protocol):
    """Progress of a run, for a terminal or a plugin (every method optional in effect)."""

    def message(self, text: str) -> None: ...

    def check_finished(self, result: CheckResult) -> None: ...


class Silent:
    def message(self, text: str) -> None:
        pass

    def check_finished(self, result: CheckResult) -> None:
        pass
