"""One schema violation, one requirement (ARCHITECTURE.md, "One violation, one requirement").

Each deviation below breaks the status schema once; the rule of ``schema_owners`` gives it to
exactly one of STATUS-SCHEMA, STATUS-MODE-SHAPE and STATUS-INTEGER-STRINGS, read from the named
sub-schema it breaks, and SCHEMA-RESPONSES leaves status bodies to them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from replcheck import spec
from replcheck.conformance.checks import judges
from replcheck.conformance.checks.context import STATUS
from replcheck.conformance.checks.schema_owners import owned, owner
from replcheck.conformance.transport.exchange import Exchange, ReceivedResponse, SentRequest
from replcheck.spec.violations import violations

_REQUIREMENTS = ("STATUS-SCHEMA", "STATUS-MODE-SHAPE", "STATUS-INTEGER-STRINGS")


def _primary() -> dict[str, Any]:
    return spec.example("status-perf-secondary-dr-primary-2024")


def _idle() -> dict[str, Any]:
    return spec.example("status-dr-secondary-idle")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return change


_DELETE = object()

#: (name, document, change, the one requirement it fails, the JSON path it names)
DEVIATIONS = [
    ("reindex-epoch-negative", _primary, _set("data.dr.last_reindex_epoch", "-5"),
     "STATUS-INTEGER-STRINGS", "$.data.dr.last_reindex_epoch"),
    ("clock-skew-leading-zero", _primary,
     _set("data.performance.primaries.0.clock_skew_ms", "007"),
     "STATUS-INTEGER-STRINGS", "$.data.performance.primaries[0].clock_skew_ms"),
    ("streaming-secondary-without-wal", _primary,
     _set("data.performance.last_remote_wal", _DELETE), "STATUS-MODE-SHAPE", "$.data.performance"),
    ("idle-secondary-with-last-wal", _idle, _set("data.dr.last_wal", 3),
     "STATUS-MODE-SHAPE", "$.data.dr"),
    ("primary-without-merkle-root", _primary, _set("data.dr.merkle_root", _DELETE),
     "STATUS-MODE-SHAPE", "$.data.dr"),
    ("unknown-connection-state", _primary, _set("data.performance.connection_state", "up"),
     "STATUS-SCHEMA", "$.data.performance.connection_state"),
    ("peer-status-unknown", _primary,
     _set("data.dr.secondaries.0.connection_status", "maybe"),
     "STATUS-SCHEMA", "$.data.dr.secondaries[0].connection_status"),
    ("wal-negative", _primary, _set("data.dr.last_wal", -1), "STATUS-SCHEMA", "$.data.dr.last_wal"),
    # A member's own domain, referenced from a mode's shape, is not the shape: a malformed value
    # is STATUS-SCHEMA's, in a primary as in a secondary.
    ("primary-cluster-id-not-uuid", _primary, _set("data.dr.cluster_id", "f2c21cb5523f617b"),
     "STATUS-SCHEMA", "$.data.dr.cluster_id"),
    ("secondary-cluster-id-not-uuid", _primary,
     _set("data.performance.cluster_id", "cluster-1"), "STATUS-SCHEMA",
     "$.data.performance.cluster_id"),
    ("secondary-merkle-root-short", _primary, _set("data.performance.merkle_root", "abc"),
     "STATUS-SCHEMA", "$.data.performance.merkle_root"),
]


def test_the_documents_deviated_from_are_valid() -> None:
    assert violations("status", _primary()) == violations("status", _idle()) == []


@pytest.mark.parametrize(("name", "document", "change", "requirement", "path"), DEVIATIONS,
                         ids=[d[0] for d in DEVIATIONS])
def test_one_deviation_fails_exactly_one_requirement(
    name: str, document: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], None],
    requirement: str, path: str,
) -> None:
    body = copy.deepcopy(document())
    change(body)
    found = violations("status", body)
    assert found and {v.path for v in found} == {path}, [str(v) for v in found]
    assert {owner(v) for v in found} == {requirement}
    assert {r: owned(r, body) for r in _REQUIREMENTS if owned(r, body)} == {requirement: found}


def _answer(status_code: int, body: Any) -> Exchange:
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1{STATUS}", ()),
        ReceivedResponse(status_code, (("Content-Type", "application/json"),), json.dumps(body)),
        operation="GET /sys/replication/status",
    )


def test_schema_responses_leaves_the_status_body_to_the_status_requirements() -> None:
    body = copy.deepcopy(_primary())
    body["data"]["dr"]["last_reindex_epoch"] = "-5"
    assert list(judges.documented_response(_answer(200, body), ())) == []


def test_schema_responses_still_judges_the_status_code_of_a_status_answer() -> None:
    [verdict] = list(judges.documented_response(_answer(201, _primary()), ()))
    assert "201 is not a status GET /sys/replication/status documents" in verdict[0]
