"""Findings as a person reads them: one entry per distinct finding, with the requests it was
seen on.

A judge sees every answer, so one deviation (a 401 where Vault answers 403, a status body that
breaks its schema) can be found on many requests; the reports show it once, "on N requests",
with the list of those requests kept for whoever wants it. Two findings are the same when they
name the same requirement, source, expectation and JSON paths, and their message is the same
once the request it names (``METHOD URL: `` in front, as judges word it) is set aside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from replcheck.conformance.judging.outcomes import Finding
from replcheck.conformance.transport.exchange import Exchange


@dataclass
class FindingGroup:
    """One distinct finding and every finding that repeats it."""

    requirement: str
    source: str
    #: The message without the request it was found on (the same for every member).
    message: str
    expected: str
    json_paths: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def headline(self) -> str:
        """The finding's message: in full when it was seen once, else without its request."""
        return self.first.message if self.count == 1 else self.message

    def requests(self) -> list[str]:
        """One line per finding: the request it was seen on and what came back."""
        return [_where(f.exchange) if f.exchange else f.message for f in self.findings]


def _where(exchange: Exchange) -> str:
    return exchange.summary()


def _message_without_request(finding: Finding) -> str:
    exchange = finding.exchange
    if exchange is None:
        return finding.message
    prefix = f"{exchange.request.method} {exchange.request.url}: "
    return finding.message.removeprefix(prefix)


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Distinct findings in the order they were first found, each with its repeats."""
    groups: dict[tuple[object, ...], FindingGroup] = {}
    for finding in findings:
        message = _message_without_request(finding)
        key = (finding.requirement, finding.source, message, finding.expected, finding.json_paths)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(
                finding.requirement, finding.source, message, finding.expected, finding.json_paths
            )
        group.findings.append(finding)
    return list(groups.values())
