"""Findings, outcomes and notes as a person reads them: one entry per distinct finding, with the
requests it was seen on; requirements not judged, one line per reason; each note once.

A judge sees every answer, so one deviation (a 401 where Vault answers 403, a status body that
breaks its schema) can be found on many requests; the reports show it once, "on N requests",
with the list of those requests kept for whoever wants it. Two findings are the same when they
name the same requirement, source, expectation and JSON paths, and their message is the same
once the request it names (``METHOD URL: `` in front, as judges word it) is set aside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from replcheck.conformance.judging.outcomes import PARTIAL, Finding, RequirementResult
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


def label(result: RequirementResult) -> str:
    """A requirement's outcome as every report names it: the outcome's value, or ``partial``."""
    return PARTIAL if result.partly_run else result.outcome.value


@dataclass
class ReasonGroup:
    """Requirements with the same outcome (as labelled) for the same reason."""

    label: str
    reason: str
    requirements: list[str] = field(default_factory=list)


def by_reason(
    results: Mapping[str, RequirementResult], labels: Iterable[str], edition: str = ""
) -> list[ReasonGroup]:
    """The requirements labelled one of ``labels``, one group per label and reason, in the
    order first met; a reason equal to ``edition`` (the sentence the verdict states) reads
    ``edition: see the verdict``."""
    wanted = set(labels)
    groups: dict[tuple[str, str], ReasonGroup] = {}
    for requirement_id, result in results.items():
        shown = label(result)
        if shown not in wanted:
            continue
        reason = result.reason
        if edition and reason == edition:
            reason = EDITION_SEE_VERDICT
        group = groups.setdefault((shown, reason), ReasonGroup(shown, reason))
        group.requirements.append(requirement_id)
    return list(groups.values())


#: How a reason that is the edition sentence (already in the verdict) is shown.
EDITION_SEE_VERDICT = "edition: see the verdict"


def shared_notes(results: Mapping[str, RequirementResult]) -> list[tuple[str, list[str]]]:
    """Each distinct note once, with the requirements it was noted on (a probe shared by two
    requirements notes the same thing on both)."""
    notes: dict[str, list[str]] = {}
    for requirement_id, result in results.items():
        for note in result.notes:
            ids = notes.setdefault(note, [])
            if requirement_id not in ids:
                ids.append(requirement_id)
    return list(notes.items())


#: Width the lists of requirement ids are wrapped at.
WIDTH = 100


def wrapped(words: list[str], indent: str) -> list[str]:
    """``words`` joined by commas, in lines of at most ``WIDTH`` characters after ``indent``."""
    lines: list[str] = []
    line = ""
    for index, word in enumerate(words):
        piece = word if index == len(words) - 1 else f"{word}, "
        if line and len(indent) + len(line) + len(piece.rstrip()) > WIDTH:
            lines.append(indent + line.rstrip())
            line = ""
        line += piece
    if line:
        lines.append(indent + line)
    return lines
