"""Hand-made invalid documents: one deviation each, each rejected for the right reason.

Every case starts from a valid example, changes one thing, and states the JSON path and the
words the violation must carry, so a schema that rejects for the wrong reason fails the test.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from replcheck import spec
from replcheck.spec.violations import violations

Doc = dict[str, Any]


def _status_2024() -> Doc:
    return spec.example("status-dr-perf-primary-2024")


def _secondary_2024() -> Doc:
    return spec.example("status-perf-secondary-dr-primary-2024")


def _idle_secondary() -> Doc:
    return spec.example("status-dr-secondary-idle")


def _set(path: str, value: Any) -> Callable[[Doc], Any]:
    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _delete(path: str) -> Callable[[Doc], Any]:
    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return change


DR = "data.dr"
PEER = "data.dr.secondaries.0"
SEC = "data.performance"

CASES: list[tuple[str, str, Callable[[], Doc], Callable[[Doc], Any], str, str]] = [
    # (case id, kind, base document, change, expected JSON path, expected words)
    ("mode-unknown", "status", _status_2024, _set(f"{DR}.mode", "active"),
     "$.data.dr.mode", "is not one of"),
    ("cluster-id-not-uuid", "status", _status_2024, _set(f"{DR}.cluster_id", "cluster-1"),
     "$.data.dr.cluster_id", "uuid"),
    ("cluster-id-upper-case", "status", _status_2024,
     _set(f"{DR}.cluster_id", "EEF2A5AB-51E2-1C05-407C-8B4DC8D09EBF"),
     "$.data.dr.cluster_id", "does not match"),
    ("merkle-root-short", "status", _status_2024, _set(f"{DR}.merkle_root", "2494830f"),
     "$.data.dr.merkle_root", "does not match"),
    ("merkle-root-not-hex", "status", _status_2024, _set(f"{DR}.merkle_root", "z" * 40),
     "$.data.dr.merkle_root", "does not match"),
    ("last-wal-string", "status", _status_2024, _set(f"{DR}.last_wal", "223"),
     "$.data.dr.last_wal", "is not of type"),
    ("last-wal-negative", "status", _status_2024, _set(f"{DR}.last_wal", -1),
     "$.data.dr.last_wal", "minimum"),
    ("last-wal-fraction", "status", _status_2024, _set(f"{DR}.last_wal", 22.5),
     "$.data.dr.last_wal", "is not of type"),
    ("primary-missing-cluster-id", "status", _status_2024, _delete(f"{DR}.cluster_id"),
     "$.data.dr", "'cluster_id' is a required property"),
    ("primary-missing-known-secondaries", "status", _status_2024,
     _delete(f"{DR}.known_secondaries"), "$.data.dr", "'known_secondaries' is a required"),
    ("known-secondaries-not-list", "status", _status_2024,
     _set(f"{DR}.known_secondaries", "4ca6b639"), "$.data.dr.known_secondaries",
     "is not of type"),
    ("primary-with-primaries", "status", _status_2024, _set(f"{DR}.primaries", []),
     "$.data.dr", "must not carry primaries"),
    ("primary-state-secondary-value", "status", _status_2024, _set(f"{DR}.state", "stream-wals"),
     "$.data.dr.state", "is not one of"),
    ("disabled-with-cluster-id", "status", _status_2024,
     _set("data.performance", {"mode": "disabled", "cluster_id": "00616ea0-3094-5017-29f9"
                               "-644f3633f0da"}),
     "$.data.performance", "must not carry cluster_id"),
    ("missing-dr-section", "status", _status_2024, _delete("data.dr"),
     "$.data", "'dr' is a required property"),
    ("connection-status-unknown", "status", _status_2024,
     _set(f"{PEER}.connection_status", "up"), "$.data.dr.secondaries[0].connection_status",
     "is not one of"),
    ("heartbeat-without-zone", "status", _status_2024,
     _set(f"{PEER}.last_heartbeat", "2024-03-04T10:05:56"),
     "$.data.dr.secondaries[0].last_heartbeat", "does not match"),
    ("heartbeat-not-a-date", "status", _status_2024,
     _set(f"{PEER}.last_heartbeat", "yesterday"),
     "$.data.dr.secondaries[0].last_heartbeat", "date-time"),
    ("heartbeat-month-13", "status", _status_2024,
     _set(f"{PEER}.last_heartbeat", "2024-13-04T10:05:56Z"),
     "$.data.dr.secondaries[0].last_heartbeat", "does not match"),
    ("clock-skew-number", "status", _status_2024, _set(f"{PEER}.clock_skew_ms", 0),
     "$.data.dr.secondaries[0].clock_skew_ms", "is not of type"),
    ("canary-age-not-integer", "status", _status_2024,
     _set(f"{PEER}.replication_primary_canary_age_ms", "6.5"),
     "$.data.dr.secondaries[0].replication_primary_canary_age_ms", "does not match"),
    ("secondary-peer-without-node-id", "status", _status_2024, _delete(f"{PEER}.node_id"),
     "$.data.dr.secondaries[0]", "'node_id' is a required property"),
    ("peer-missing-heartbeat", "status", _status_2024, _delete(f"{PEER}.last_heartbeat"),
     "$.data.dr.secondaries[0]", "'last_heartbeat' is a required property"),
    ("reindex-epoch-number", "status", _status_2024, _set(f"{DR}.last_reindex_epoch", 0),
     "$.data.dr.last_reindex_epoch", "is not of type"),
    ("reindex-epoch-negative", "status", _status_2024, _set(f"{DR}.last_reindex_epoch", "-5"),
     "$.data.dr.last_reindex_epoch", "does not match"),
    ("corrupted-merkle-tree-string", "status", _status_2024,
     _set(f"{DR}.corrupted_merkle_tree", "false"), "$.data.dr.corrupted_merkle_tree",
     "is not of type"),
    ("reindex-stage-unknown", "status", _status_2024, _set(f"{DR}.reindex_stage", "flushing"),
     "$.data.dr.reindex_stage", "is not one of"),
    ("ssct-counter-string", "status", _status_2024, _set(f"{DR}.ssct_generation_counter", "0"),
     "$.data.dr.ssct_generation_counter", "is not of type"),
    ("secondary-state-unknown", "status", _secondary_2024, _set(f"{SEC}.state", "streaming"),
     "$.data.performance.state", "is not one of"),
    ("connection-state-unknown", "status", _secondary_2024,
     _set(f"{SEC}.connection_state", "open"), "$.data.performance.connection_state",
     "is not one of"),
    ("secondary-missing-secondary-id", "status", _secondary_2024, _delete(f"{SEC}.secondary_id"),
     "$.data.performance", "'secondary_id' is a required property"),
    # Only an idle secondary (no primary) may lack last_remote_wal; the message names the member.
    ("streaming-secondary-without-last-remote-wal", "status", _secondary_2024,
     _delete(f"{SEC}.last_remote_wal"), "$.data.performance",
     "'last_remote_wal' is a required property"),
    ("idle-secondary-with-last-wal", "status", _idle_secondary, _set(f"{DR}.last_wal", 7),
     "$.data.dr", "must not carry last_wal"),
    ("reindex-epoch-negative", "status", _status_2024, _set(f"{DR}.last_reindex_epoch", "-5"),
     "$.data.dr.last_reindex_epoch", "does not match"),
    ("secondary-with-last-wal", "status", _secondary_2024, _set(f"{SEC}.last_wal", 3),
     "$.data.performance", "must not carry last_wal"),
    ("last-start-not-rfc3339", "status", _secondary_2024,
     _set(f"{SEC}.last_start", "Mon Mar 4 10:05:48 2024"), "$.data.performance.last_start",
     "does not match"),
    ("status-without-data", "status", _status_2024, _delete("data"),
     "$", "'data' is a required property"),
    ("envelope-warnings-string", "status", _status_2024, _set("warnings", "careful"),
     "$.warnings", "is not of type"),
    ("envelope-lease-duration-string", "status", _status_2024, _set("lease_duration", "0"),
     "$.lease_duration", "is not of type"),
    ("community-mode-enabled", "status", lambda: spec.example("status-community-edition"),
     _set("data.mode", "primary"), "$.data.mode", "is not \"disabled\""),
    ("error-without-errors", "error", lambda: {"errors": ["permission denied"]},
     _delete("errors"), "$", "'errors' is a required property"),
    ("error-errors-string", "error", lambda: {"errors": ["permission denied"]},
     _set("errors", "permission denied"), "$.errors", "is not of type"),
    ("error-errors-objects", "error", lambda: {"errors": ["permission denied"]},
     _set("errors", [{"message": "permission denied"}]), "$.errors[0]", "is not of type"),
    ("warnings-null-without-data", "warnings", lambda: {"warnings": ["reindex started"]},
     _set("warnings", None), "$.warnings", "is not of type"),
    ("warnings-items-numbers", "warnings", lambda: {"warnings": ["reindex started"]},
     _set("warnings", [1]), "$.warnings[0]", "is not of type"),
    ("reindex-diff-maybe", "reindex-request", lambda: {}, _set("diff", "maybe"),
     "$.diff", "is not a value Vault accepts for a bool field"),
    ("reindex-force-two", "reindex-request", lambda: {}, _set("force", 2),
     "$.force", "is not a value Vault accepts for a bool field"),
    ("reindex-skip-flush-list", "reindex-request", lambda: {}, _set("skip_flush", [True]),
     "$.skip_flush", "is not a value Vault accepts for a bool field"),
    ("reindex-body-array", "reindex-request", lambda: {}, lambda doc: [doc],
     "$", "is not of type [\"object\", \"null\"]"),
]


@pytest.mark.parametrize(
    ("kind", "base", "change", "path", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_one_deviation_is_rejected_for_the_right_reason(
    kind: str, base: Callable[[], Doc], change: Callable[[Doc], Any], path: str, words: str
) -> None:
    document = copy.deepcopy(base())
    assert not violations(kind, document), "the base document must be valid"
    replaced = change(document)
    if replaced is not None:
        document = replaced
    found = violations(kind, document)
    assert found, "the changed document must be rejected"
    assert any(v.path == path and words in v.message for v in found), [str(v) for v in found]


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(
    "value",
    [True, False, None, 0, 1, "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE",
     "false", "False", ""],
)
def test_every_lenient_boolean_form_is_accepted(value: Any) -> None:
    assert violations("reindex-request", {"diff": value, "force": value, "skip_flush": value}) == []


def test_unknown_members_are_accepted_everywhere() -> None:
    status = _status_2024()
    status["future_member"] = 1
    status["data"]["dr"]["future_member"] = {"x": 1}
    status["data"]["dr"]["secondaries"][0]["future_member"] = "y"
    assert violations("status", status) == []
    assert violations("reindex-request", {"verbose": True}) == []


def test_bare_docs_form_and_full_envelope_are_both_accepted() -> None:
    bare = spec.example("status-dr-perf-primary-2020")
    assert set(bare) == {"data"}
    assert violations("status", bare) == []
    assert violations("warnings", {"warnings": ["..."]}) == []
    assert violations("warnings", spec.example("warnings-envelope")) == []


def test_an_idle_secondary_needs_no_last_remote_wal_and_names_its_sub_schemas() -> None:
    idle = _idle_secondary()
    assert "last_remote_wal" not in idle["data"]["dr"]
    assert violations("status", idle) == []
    streaming = copy.deepcopy(idle)
    streaming["data"]["dr"]["state"] = "stream-wals"
    [problem] = violations("status", streaming)
    assert problem.message == "'last_remote_wal' is a required property"
    assert problem.within[-1] == "cluster-section.json#/$defs/secondary"
    assert problem.within[0] == "status-response.json#"
