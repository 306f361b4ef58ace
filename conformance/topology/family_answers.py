"""REPLICATION-FAMILY-ANSWERS: the answers the active scenarios got, held to the contract.

Every answer a scenario (``topology:scenarios``, ``topology:family``) recorded for a DR or
performance operation, or for merkle-check, must use a status the contract documents for that
operation and validate against that status's schema (``contract.Operation.response_for``, the
schema files in spec/). One result per cluster; a cluster that answered no such operation is
"not run". The recorded answers are masked (a wrapping token reads as its label): a violation
found at a masked member is not counted (the masked text is not the server's), every other one
is (``_masked_paths``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from replcheck.conformance.judging import contract
from replcheck.conformance.judging.outcomes import CheckResult, Finding, Outcome
from replcheck.conformance.transport.client import RecordingClient
from replcheck.conformance.transport.exchange import Exchange
from replcheck.spec.violations import violations

__all__ = ["ANSWERS", "judge_answers"]

ANSWERS = "REPLICATION-FAMILY-ANSWERS"
_ORIGINS = ("topology:scenarios", "topology:family")
_FAMILY = ("/sys/replication/dr/", "/sys/replication/performance/",
           "/sys/replication/merkle-check")


def _family(exchange: Exchange) -> contract.Operation | None:
    """The documented family operation the exchange addresses (a method the operation does not
    serve is no operation: DR-/PERFORMANCE-METHODS judge those answers)."""
    if exchange.origin not in _ORIGINS:
        return None
    operation = contract.operation_for(exchange.request.method,
                                       urlsplit(exchange.request.url).path)
    if operation is None or not operation.path.startswith(_FAMILY):
        return None
    return None if operation.path.endswith("/status") else operation  # the status reads'


def _masked_paths(value: Any, here: str = "$") -> set[str]:
    """The JSON paths (as ``violations`` names them) of the members a masker replaced."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in _masked_paths(v, f"{here}.{k}")}
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _masked_paths(v, f"{here}[{i}]")}
    return {here} if isinstance(value, str) and value.startswith("$") else set()


def _problem(exchange: Exchange, operation: contract.Operation) -> tuple[str, str] | None:
    status = exchange.status
    if status is None:
        return None
    documented = operation.response_for(status)
    if documented is None:
        return (f"{status} is not a status {operation.key} documents",
                f"one of {', '.join(sorted(operation.responses))}")
    body = exchange.response.body if exchange.response else ""
    if documented.schema is None:
        return (f"{status} carries a body", f"{status} with no body") if body.strip() else None
    if not exchange.is_json:
        return (f"{status} body is not JSON", f"a JSON body valid against {documented.schema}")
    body_json = exchange.json()
    masked = _masked_paths(body_json)
    found = [v for v in violations(documented.schema, body_json) if v.path not in masked]
    if not found:
        return None
    return (f"{operation.key} {status} body breaks {documented.schema}: "
            + "; ".join(str(v) for v in found[:3]), f"a body valid against {documented.schema}")


def judge_answers(clients: Mapping[str, RecordingClient]) -> list[CheckResult]:
    """One result per cluster over the family answers the scenarios recorded on it."""
    results = []
    for cluster, client in clients.items():
        judged, findings = 0, []
        for exchange in client.exchanges:
            operation = _family(exchange)
            if operation is None:
                continue
            judged += 1
            problem = _problem(exchange, operation)
            if problem is not None:
                findings.append(Finding(ANSWERS, problem[0], problem[1], exchange,
                                        source="topology.family_answers"))
        if findings:
            results.append(CheckResult(ANSWERS, cluster, Outcome.FAILED,
                                       findings=findings[:10], judged=judged))
        elif judged:
            results.append(CheckResult(ANSWERS, cluster, Outcome.PASSED, judged=judged))
        else:
            results.append(CheckResult(ANSWERS, cluster, Outcome.NOT_RUN,
                                       "the scenarios sent this cluster no DR or performance "
                                       "operation"))
    return results
