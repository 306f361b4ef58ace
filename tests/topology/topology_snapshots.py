"""Helpers for the topology gate's tests: the real pairs as documents, rounds from them, and
the results of one requirement."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.topology.judging import TopologyJudgement, judge
from replcheck.conformance.topology.relations import TopologySettings
from replcheck.conformance.topology.snapshot import ClusterRead, Round, from_document

SPEC = Path(__file__).resolve().parents[2] / "spec"
P, S = "primary", "secondary"


def document(path: str) -> Any:
    """A JSON file under spec/, a fresh copy each call."""
    return copy.deepcopy(json.loads((SPEC / path).read_text(encoding="utf-8")))


def pair_2024() -> tuple[dict[str, Any], dict[str, Any]]:
    """The docs' 2024 performance pair (data of the envelope): (secondary, primary)."""
    return (document("examples/status-perf-secondary-dr-primary-2024.json")["data"],
            document("examples/status-dr-perf-primary-2024.json")["data"])


def wrap(status: dict[str, Any], *, leader: dict[str, Any] | None = None,
         version: str | None = None, read_at: float | None = None) -> dict[str, Any]:
    """The wrapper form: status, sys/leader, sys/health and the read time."""
    wrapper: dict[str, Any] = {"status": status}
    if leader is not None:
        wrapper["leader"] = leader
    if version is not None:
        wrapper["health"] = {"version": version, "initialized": True, "sealed": False}
    if read_at is not None:
        wrapper["read_at"] = read_at
    return wrapper


def round_of(*named: tuple[str, Any]) -> Round:
    """A round in the order given (read order)."""
    return tuple(from_document(name, doc) for name, doc in named)


def judged(rounds: list[Round] | Round, settings: TopologySettings | None = None,
           history: bool = True) -> TopologyJudgement:
    if isinstance(rounds, tuple):
        rounds = [rounds]
    return judge(rounds, settings or TopologySettings(), history=history)


def results(judgement: TopologyJudgement, requirement: str) -> list[CheckResult]:
    return [r for r in judgement.results if r.requirement == requirement]


def one(judgement: TopologyJudgement, requirement: str) -> CheckResult:
    found = results(judgement, requirement)
    assert len(found) == 1, found
    return found[0]


def failed_ids(judgement: TopologyJudgement) -> set[str]:
    return {r.requirement for r in judgement.results
            if r.outcome in (Outcome.FAILED, Outcome.ERROR)}


def default_pair() -> Round:
    """The 2024 pair read secondary first, as ``secondary`` and ``primary``."""
    secondary, primary = pair_2024()
    return round_of((S, secondary), (P, primary))


def read(name: str, status: dict[str, Any] | None, **kwargs: Any) -> ClusterRead:
    return ClusterRead(name, kwargs.pop("read_at", float("nan")), status, **kwargs)
