"""What a fleet run concludes: one ``TargetOutcome`` per target and the ``FleetResult`` over them.

This is the data model every fleet report reads (terminal matrix, JSON, JUnit, HTML) and the
one ``replcheck report merge`` and ``replcheck report diff`` rebuild from JSON files
(``fleet_result_from_json``). Nothing in here holds a secret: a target's report is the
single-run JSON report, whose exchanges are masked, and no token is ever a member.

The JSON form (``fleet_result_to_json``) is spec/fleet/fleet-report.json
(``replcheck spec --schema fleet-report``), ``format_version`` ``FORMAT_VERSION``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from replcheck import spec
from replcheck.conformance import __version__

#: MAJOR.MINOR of the fleet report (spec/fleet/fleet-report.json). Add members under a minor
#: bump; remove or change one only under a major bump.
FORMAT_VERSION = "1.0"

#: The verdict of a target that could not be judged at all (exit 2 before any verdict: an
#: unreachable target, bad credentials, an unset token variable, a crashed worker).
NO_VERDICT = "no verdict"

#: The kinds of target an inventory names.
KINDS = ("url", "topology", "embedded", "embedded topology")

#: The per-requirement labels, as every single-run report counts them.
LABELS = ("passed", "failed", "partial", "not run", "unsupported", "error")

#: Verdicts that make the fleet exit 1 (the target answered, and is not conformant).
_NOT_PASSING = frozenset({"not conformant", "unsupported"})


@dataclass
class TargetOutcome:
    """One target's run, as the fleet reports it."""

    name: str
    tags: tuple[str, ...]
    #: ``url`` | ``topology`` | ``embedded`` | ``embedded topology``.
    kind: str
    #: The single run's verdict value (``conformant``, ``not conformant``, ``unsupported``,
    #: ``incomplete``, ``nothing judged``, ``interrupted``) or ``no verdict`` (``NO_VERDICT``).
    verdict: str
    exit_code: int
    #: The verdict sentence, or the one sentence saying why there is no verdict.
    sentence: str
    #: Requirement id -> label (``LABELS``), in the target's own order.
    outcomes: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    duration_s: float = 0.0
    #: The target's own JSON report (``replcheck.conformance.report.json.as_dict``), masked; None
    #: when there is no verdict.
    report: dict[str, Any] | None = None

    @property
    def conformant(self) -> bool:
        return self.exit_code == 0 and self.verdict == "conformant"

    @property
    def without_verdict(self) -> bool:
        """No verdict can be claimed for this target: exit 2, or anything but 0 and 1 (an
        interrupted run, a crashed worker)."""
        return self.exit_code not in (0, 1)

    def count(self, label: str) -> int:
        return sum(1 for shown in self.outcomes.values() if shown == label)

    def tally(self) -> str:
        """``40 passed, 2 failed, 3 not run``: the labels in ``LABELS`` order."""
        parts = [f"{self.count(label)} {label}" for label in LABELS if self.count(label)]
        return ", ".join(parts) or "nothing judged"


@dataclass
class FleetResult:
    """Every selected target's outcome, in inventory order."""

    targets: list[TargetOutcome]
    started_at: str = ""
    duration_s: float = 0.0
    #: ``(i, n)`` when this run was shard i of n (1-based), else None.
    shard: tuple[int, int] | None = None
    suite_version: str = __version__
    spec_version: str = field(default_factory=spec.spec_version)

    @property
    def exit_code(self) -> int:
        """0 every target conformant; 2 any target without a verdict; else 1 (any target not
        conformant or unsupported). A fleet with no target has no verdict either."""
        if not self.targets or any(t.without_verdict for t in self.targets):
            return 2
        if any(t.exit_code == 1 or t.verdict in _NOT_PASSING for t in self.targets):
            return 1
        return 0

    @property
    def without_verdict(self) -> list[TargetOutcome]:
        return [t for t in self.targets if t.without_verdict]

    @property
    def requirement_ids(self) -> list[str]:
        """Every requirement any target reports, in catalogue order (unknown ids last)."""
        seen = {rid for target in self.targets for rid in target.outcomes}
        ordered = [r.id for r in spec.requirements() if r.id in seen]
        known = set(ordered)
        return ordered + sorted(seen - known)

    def not_passed_everywhere(self) -> list[str]:
        """The requirements some target did not pass (the compact matrix's columns)."""
        return [
            rid for rid in self.requirement_ids
            if any(t.outcomes.get(rid, "passed") != "passed" for t in self.targets if t.outcomes)
        ]

    def attention(self) -> list[str]:
        """The requirements worth a column in the compact matrix: failed, errored, partial or
        unsupported on some target, or labelled differently across the targets that report it
        (a requirement every target left not run, as its profile says, is not)."""
        out = []
        for rid in self.requirement_ids:
            labels = {t.outcomes[rid] for t in self.targets if rid in t.outcomes}
            if len(labels) > 1 or labels & {"failed", "error", "partial", "unsupported"}:
                out.append(rid)
        return out

    def counts(self) -> dict[str, int]:
        """Targets per verdict, in first-seen order."""
        out: dict[str, int] = {}
        for target in self.targets:
            out[target.verdict] = out.get(target.verdict, 0) + 1
        return out

    @property
    def sentence(self) -> str:
        """The fleet's verdict line."""
        total = len(self.targets)
        if not total:
            return "NO VERDICT: no target was selected."
        counts = ", ".join(f"{n} {verdict}" for verdict, n in self.counts().items())
        code = self.exit_code
        if code == 0:
            return f"FLEET CONFORMANT: all {total} target(s) conformant."
        if code == 2:
            names = ", ".join(t.name for t in self.without_verdict)
            return f"FLEET WITHOUT VERDICT: no verdict for {names} ({counts})."
        return f"FLEET NOT CONFORMANT: {counts} of {total} target(s)."


def target_to_json(target: TargetOutcome) -> dict[str, Any]:
    return {
        "name": target.name,
        "tags": list(target.tags),
        "kind": target.kind,
        "verdict": target.verdict,
        "exit_code": target.exit_code,
        "sentence": target.sentence,
        "outcomes": dict(target.outcomes),
        "requests": target.requests,
        "duration_s": round(target.duration_s, 3),
        "report": target.report,
    }


def fleet_result_to_json(result: FleetResult) -> dict[str, Any]:
    """The fleet report document (spec/fleet/fleet-report.json)."""
    return {
        "format_version": FORMAT_VERSION,
        "suite_version": result.suite_version,
        "spec_version": result.spec_version,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "shard": list(result.shard) if result.shard is not None else None,
        "exit_code": result.exit_code,
        "sentence": result.sentence,
        "targets": [target_to_json(target) for target in result.targets],
        "requirements": result.requirement_ids,
    }


class FleetReportError(ValueError):
    """A document that is not a fleet report this version can read (one sentence)."""


def _target_from_json(entry: Mapping[str, Any]) -> TargetOutcome:
    return TargetOutcome(
        name=str(entry["name"]),
        tags=tuple(str(tag) for tag in entry.get("tags", ())),
        kind=str(entry["kind"]),
        verdict=str(entry["verdict"]),
        exit_code=int(entry["exit_code"]),
        sentence=str(entry["sentence"]),
        outcomes={str(k): str(v) for k, v in dict(entry.get("outcomes", {})).items()},
        requests=int(entry.get("requests", 0)),
        duration_s=float(entry.get("duration_s", 0.0)),
        report=entry.get("report"),
    )


def fleet_result_from_json(document: Mapping[str, Any]) -> FleetResult:
    """Read a fleet report back (``report merge``, ``report diff``). Raises
    ``FleetReportError`` (one sentence) for a document of another major format version or
    one the schema rejects."""
    from jsonschema import Draft202012Validator

    version = document.get("format_version") if isinstance(document, Mapping) else None
    if not isinstance(version, str) or version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise FleetReportError(
            f"not a fleet report of format {FORMAT_VERSION.split('.')[0]}.x "
            f"(format_version {version!r})"
        )
    validator = Draft202012Validator(spec.fleet_report_schema())
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the document"
        raise FleetReportError(f"the fleet report is invalid at {where}: {error.message}")
    shard: Sequence[int] | None = document.get("shard")
    return FleetResult(
        targets=[_target_from_json(entry) for entry in document["targets"]],
        started_at=str(document.get("started_at", "")),
        duration_s=float(document.get("duration_s", 0.0)),
        shard=(int(shard[0]), int(shard[1])) if shard is not None else None,
        suite_version=str(document.get("suite_version", "")),
        spec_version=str(document.get("spec_version", "")),
    )
