"""The breaking-change gate: each kind of change classified, both ways, on the real bundle."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from replcheck import spec
from replcheck.spec.compat import diff, project_corpus

Doc = dict[str, Any]
STATUS = "/sys/replication/status"
REINDEX = "/sys/replication/reindex"


def _bundle() -> Doc:
    return spec.bundled_openapi()


def _schemas(doc: Doc) -> Doc:
    return doc["components"]["schemas"]


def _cluster(doc: Doc) -> Doc:
    return _schemas(doc)["ClusterSection"]


def _changed(change: Callable[[Doc], Any]) -> tuple[Doc, Doc]:
    old = _bundle()
    new = copy.deepcopy(old)
    change(new)
    return old, new


BREAKING: list[tuple[str, Callable[[Doc], Any], str]] = [
    ("removed-status", lambda d: d["paths"][STATUS]["get"]["responses"].pop("405"),
     "documented status 405 removed"),
    ("removed-path", lambda d: d["paths"].pop(REINDEX), "path removed"),
    ("removed-operation", lambda d: d["paths"][REINDEX].pop("put"), "operation removed"),
    ("narrowed-enum", lambda d: _cluster(d)["properties"]["connection_state"]["enum"].remove(
        "shutdown"), "enum narrowed"),
    ("narrowed-type", lambda d: _schemas(d)["Envelope"]["properties"]["warnings"].__setitem__(
        "type", "array"), "type narrowed"),
    ("changed-pattern", lambda d: _cluster(d)["properties"]["last_reindex_epoch"].__setitem__(
        "pattern", "^[1-9][0-9]*$"), "pattern changed"),
    ("narrowed-range", lambda d: _cluster(d)["$defs"]["walCounter"].__setitem__("minimum", 1),
     "minimum narrowed"),
    ("new-maximum", lambda d: _cluster(d)["properties"]["reindex_building_total"].__setitem__(
        "maximum", 100), "maximum narrowed"),
    ("newly-required", lambda d: _schemas(d)["Peer"]["required"].append("node_id"),
     "'node_id' newly required"),
    ("removed-member", lambda d: _schemas(d)["Peer"]["properties"].pop("clock_skew_ms"),
     "member 'clock_skew_ms' removed"),
    ("body-now-required", lambda d: d["paths"][REINDEX]["post"]["requestBody"].__setitem__(
        "required", True), "now required"),
    ("required-parameter", lambda d: d["paths"][STATUS]["get"].__setitem__(
        "parameters", [{"name": "verbose", "in": "query", "required": True,
                        "schema": {"type": "boolean"}}]), "added as required"),
    ("sudo-on-status", lambda d: d["paths"][STATUS]["get"].__setitem__("x-vault-sudo", True),
     "x-vault-sudo changed"),
    ("status-needs-token", lambda d: d["paths"][STATUS]["get"].pop("security"),
     "security changed"),
    ("no-more-alternative", lambda d: _schemas(d)["StatusResponse"]["properties"]["data"][
        "oneOf"].pop(), "oneOf part 1 removed"),
    ("mode-rule-widened-negation", lambda d: _cluster(d)["$defs"]["disabled"]["not"][
        "anyOf"].append({"required": ["state"]}), "anyOf part 8 added (inside a negated rule)"),
    # An anyOf where there was none is a new rule, though each part "adds" an alternative.
    ("alternation-added", lambda d: _schemas(d)["Peer"].__setitem__(
        "anyOf", [{"required": ["node_id"]}, {"required": ["clock_skew_ms"]}]),
     "anyOf added (a new rule)"),
    ("one-of-added", lambda d: _schemas(d)["Peer"].__setitem__(
        "oneOf", [{"required": ["api_address"]}, {"required": ["node_id"]}]),
     "oneOf added (a new rule)"),
    ("lenient-true-narrowed", lambda d: _lenient(d, "lenientTrue").remove("t"),
     'values no longer accepted: "t"'),
    ("lenient-form-moved-to-false", lambda d: (_lenient(d, "lenientTrue").remove("T"),
                                               _lenient(d, "lenientFalse").append(1.5)),
     'values no longer accepted: "T"'),
]

NOT_BREAKING: list[tuple[str, Callable[[Doc], Any], str]] = [
    # "required unless": the anyOf's first part only asks what 1.0.0 required.
    ("required-unless", lambda d: (_schemas(d)["Peer"]["required"].remove("api_address"),
                                   _schemas(d)["Peer"].__setitem__("anyOf", [
                                       {"required": ["api_address"]},
                                       {"required": ["node_id"]}])),
     "anyOf added, one part implied by the old schema"),
    ("reworded-description", lambda d: d["paths"][STATUS]["get"].__setitem__(
        "description", "Reports the replication status."), "description reworded"),
    ("reworded-schema", lambda d: _schemas(d)["Peer"].__setitem__("description", "A peer."),
     "description reworded"),
    ("added-status", lambda d: d["paths"][STATUS]["get"]["responses"].__setitem__(
        "503", {"description": "Sealed."}), "status 503 documented"),
    ("widened-enum", lambda d: _cluster(d)["properties"]["connection_state"]["enum"].append(
        "unknown"), "enum widened"),
    ("optional-parameter", lambda d: d["paths"][STATUS]["get"].__setitem__(
        "parameters", [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}]),
     "query parameter 'verbose' added"),
    ("no-longer-required", lambda d: _schemas(d)["Peer"]["required"].remove("api_address"),
     "no longer required"),
    ("pattern-removed", lambda d: _cluster(d)["$defs"]["unsignedIntegerString"].pop(
        "pattern"), "pattern '^(0|[1-9][0-9]*)$' removed"),
    ("unconstrained-declaration-removed", lambda d: _cluster(d)["$defs"]["primary"][
        "properties"].pop("known_secondaries"), "unconstrained 'known_secondaries' undeclared"),
    ("mode-rule-narrowed-negation", lambda d: _cluster(d)["$defs"]["disabled"]["not"][
        "anyOf"].pop(), "anyOf part 7 removed (inside a negated rule)"),
    ("lenient-false-widened", lambda d: _lenient(d, "lenientFalse").append("no"),
     'values now accepted: "no"'),
]


def _lenient(doc: Doc, name: str) -> list[Any]:
    enum: list[Any] = _schemas(doc)["ReindexRequest"]["$defs"][name]["enum"]
    return enum


def test_lenient_booleans_split_into_true_and_false_forms_are_the_same_domain() -> None:
    """The 1.0.0 lenientBoolean listed its forms by JSON type; the current one groups them by
    the bool they decode to. The gate compares the values accepted, not the parts."""
    old = copy.deepcopy(_bundle())
    _schemas(old)["ReindexRequest"]["$defs"]["lenientBoolean"] = spec.released_openapi(
        "1.0.0")["components"]["schemas"]["ReindexRequest"]["$defs"]["lenientBoolean"]
    assert not [str(c) for c in diff(old, _bundle()) if "lenientBoolean" in c.where]


@pytest.mark.parametrize(("case", "change", "words"), BREAKING, ids=[c[0] for c in BREAKING])
def test_breaking_changes_are_called_breaking(case: str, change: Callable, words: str) -> None:
    changes = diff(*_changed(change))
    breaking = [str(c) for c in changes if c.breaking]
    assert any(words in text for text in breaking), (case, [str(c) for c in changes])


@pytest.mark.parametrize(("case", "change", "words"), NOT_BREAKING,
                         ids=[c[0] for c in NOT_BREAKING])
def test_compatible_changes_are_not_breaking(case: str, change: Callable, words: str) -> None:
    changes = diff(*_changed(change))
    assert changes and not [str(c) for c in changes if c.breaking], (case, changes)
    assert any(words in str(c) for c in changes), (case, [str(c) for c in changes])


def test_identical_documents_have_no_changes() -> None:
    assert diff(_bundle(), _bundle()) == []


def test_a_reorganised_schema_with_the_same_meaning_is_not_breaking() -> None:
    """The released 1.0.0 bundle against the current one: the mode rules were split into
    'must carry' / 'must not carry' parts, which the walk sees through."""
    changes = diff(spec.released_openapi("1.0.0"), _bundle())
    assert not [str(c) for c in changes if c.breaking]


def test_replay_catches_a_narrowing_the_structure_calls_compatible() -> None:
    """Declaring a member is not breaking by itself, but an example that carried the member
    with another type is rejected by the new schema: the replay says so."""
    old, new = _changed(
        lambda d: _schemas(d)["Peer"]["properties"].__setitem__(
            "clock_skew_ms", {"type": "integer"}
        )
    )
    old_peer = _schemas(old)["Peer"]["properties"]
    del old_peer["clock_skew_ms"]
    changes = diff(old, new)
    structural = [c for c in changes if "declared" in c.what]
    assert structural and not structural[0].breaking
    replayed = [c for c in changes if c.breaking]
    assert replayed and all("valid under the old document is rejected" in c.what for c in replayed)
    assert any("clock_skew_ms" in c.what for c in replayed)


def test_corpus_samples_are_replayed() -> None:
    old, new = _changed(
        lambda d: _cluster(d)["properties"].__setitem__("future_counter", {"type": "string"})
    )
    captured = spec.example("status-dr-perf-primary-2024")
    captured["data"]["dr"]["future_counter"] = 7
    changes = diff(old, new, [("captured.json", "status", captured)])
    assert [c for c in changes if c.breaking and "corpus captured.json" in c.what]
    assert not [c for c in diff(old, new) if c.breaking]


def test_the_project_corpus_of_real_outputs_is_replayed() -> None:
    """Requiring primary_cluster_addr of a primary again (as contract 1.0.0 did) is caught
    twice: structurally, and by the real sections of spec/corpus that lack the member (the
    status outputs are replayed too: test_corpus_samples_are_replayed)."""
    old, new = _changed(
        lambda d: _cluster(d)["$defs"]["primary"]["required"].append("primary_cluster_addr")
    )
    corpus = project_corpus()
    assert {kind for _, kind, _ in corpus} == {"status", "section"}
    changes = [c for c in diff(old, new, corpus) if c.breaking]
    assert any("'primary_cluster_addr' newly required" in c.what for c in changes)
    replayed = [c for c in changes if c.what.startswith("corpus sections/")]
    assert replayed and {c.where for c in replayed} == {"#/components/schemas/ClusterSection"}
