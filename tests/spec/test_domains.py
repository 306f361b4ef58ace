"""The value domains the server and the suite read from the spec (``replcheck.spec.domains``)."""

from __future__ import annotations

from typing import Any

import pytest

from replcheck.spec import domains


@pytest.mark.parametrize("value", ["0", "42", "-1", "9007199254740993"])
def test_integer_strings_in_the_domain(value: str) -> None:
    assert domains.conforms(domains.INTEGER_STRING, value)


@pytest.mark.parametrize("value", ["007", "", "+1", "1.0", " 1", "1e3", "--1", 7])
def test_values_outside_the_integer_string_domain(value: Any) -> None:
    """``"007"`` is the drift issue 13 found: the check's own regex let leading zeros pass."""
    assert not domains.conforms(domains.INTEGER_STRING, value)


@pytest.mark.parametrize("value", ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123456789+02:00"])
def test_timestamps_in_the_domain(value: str) -> None:
    assert domains.conforms(domains.TIMESTAMP, value)


@pytest.mark.parametrize(
    "value", ["2024-03-01 10:00:00Z", "2024-03-01T10:00:00", "2024-13-01T10:00:00Z", 1709287200]
)
def test_values_outside_the_timestamp_domain(value: Any) -> None:
    assert not domains.conforms(domains.TIMESTAMP, value)


def test_error_bodies() -> None:
    assert domains.conforms(domains.ERROR_BODY, {"errors": []})
    assert domains.conforms(domains.ERROR_BODY, {"errors": ["permission denied"]})
    for wrong in ({}, {"errors": "x"}, {"errors": [1]}, ["x"], None):
        assert not domains.conforms(domains.ERROR_BODY, wrong), wrong


def test_lenient_booleans_decode_each_form_to_its_bool() -> None:
    truths = [domains.lenient_bool(v) for v in domains.enum(domains.LENIENT_TRUE)]
    falsehoods = [domains.lenient_bool(v) for v in domains.enum(domains.LENIENT_FALSE)]
    assert truths and all(t is True for t in truths)
    assert falsehoods and all(f is False for f in falsehoods)
    assert domains.lenient_bool("") is False  # Vault's weak decode: the empty string is false


@pytest.mark.parametrize("value", [None, 2, -1, 1.0, 0.0, "yes", "maybe", "TrUe", [True], {}])
def test_other_values_are_no_lenient_boolean(value: Any) -> None:
    """1.0 is not 1 for Vault (a float is not decoded into a bool), though Python says 1.0 == 1."""
    assert domains.lenient_bool(value) is None


def test_every_form_is_valid_for_a_reindex_flag() -> None:
    flag = "reindex-request.json#/$defs/lenientBoolean"
    forms = domains.lenient_boolean_forms()
    assert None in forms and True in forms and "" in forms
    assert all(domains.conforms(flag, form) for form in forms)
    assert not domains.conforms(flag, "maybe")


def test_status_enumerations() -> None:
    assert domains.sections() == ("dr", "performance")
    assert set(domains.shaped_modes()) <= set(domains.modes())
    assert "disabled" in domains.shaped_modes()
    assert domains.reindex_stages()[0] == "scanning"
    assert domains.connection_statuses() == ("connected", "disconnected")


def test_reindex_flags_are_the_lenient_boolean_members() -> None:
    assert domains.reindex_flags() == ("diff", "force", "skip_flush")


def test_member_accepts_only_values_of_the_domain() -> None:
    ref = "cluster-section.json#/properties/mode"
    assert domains.member(ref, "primary") == "primary"
    with pytest.raises(ValueError, match="not one of"):
        domains.member(ref, "tertiary")
    with pytest.raises(ValueError):
        domains.member(domains.LENIENT_TRUE, 1.0)  # a float is not the number 1 here


def test_unknown_references_are_named() -> None:
    with pytest.raises(KeyError, match="nosuch"):
        domains.validator("peer.json#/$defs/nosuch")
    with pytest.raises(KeyError, match="enumerates nothing"):
        domains.enum(domains.INTEGER_STRING)


def test_members_of_a_domain() -> None:
    assert set(domains.wal_counters()) == {
        "last_wal", "last_dr_wal", "last_performance_wal", "last_remote_wal"
    }
    assert domains.integer_string_members() == {
        "section": ("last_reindex_epoch", "last_corruption_check_epoch"),
        "peer": ("clock_skew_ms", "last_heartbeat_duration_ms",
                 "replication_primary_canary_age_ms"),
    }


@pytest.fixture
def edited_section(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The domains read from an edited cluster-section.json (caches emptied before and after)."""
    from replcheck import spec

    original = spec.schema("cluster-section.json")
    edited = spec.schema("cluster-section.json")

    def schema(name: str) -> Any:
        return edited if name == "cluster-section.json" else spec.schema(name)

    cached = (domains._node, domains.wal_counters, domains.integer_string_members,
              domains.mode_shapes)
    for function in cached:
        function.cache_clear()
    monkeypatch.setattr(domains, "schema", schema)
    yield edited
    for function in cached:
        function.cache_clear()
    assert spec.schema("cluster-section.json") == original


def test_a_member_added_to_a_domain_in_the_schema_is_found(edited_section: Any) -> None:
    edited_section["properties"]["last_future_wal"] = {"$ref": "#/$defs/walCounter"}
    edited_section["properties"]["last_wal"] = {"type": "integer"}
    edited_section["properties"]["some_ms"] = {"$ref": "peer.json#/$defs/integerString"}
    assert "last_future_wal" in domains.wal_counters()
    assert "last_wal" not in domains.wal_counters()
    assert "some_ms" in domains.integer_string_members()["section"]


def test_mode_shapes_are_the_sub_schemas_each_mode_rule_names(edited_section: Any) -> None:
    assert domains.mode_shapes()["secondary"] == (
        "cluster-section.json#/$defs/secondary", "cluster-section.json#/$defs/notPrimary"
    )
    domains.mode_shapes.cache_clear()
    edited_section["allOf"][0]["then"] = {"$ref": "#/$defs/notPrimary"}
    assert domains.mode_shapes()["disabled"] == ("cluster-section.json#/$defs/notPrimary",)
