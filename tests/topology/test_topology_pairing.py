"""The topology gate's data model: every captured snapshot form, and the pairing of a round
into links with what cannot be paired classified."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from topology_snapshots import P, S, document, pair_2024, read, round_of, wrap

from replcheck.conformance.topology.pairing import Link, pair
from replcheck.conformance.topology.snapshot import (
    SnapshotError,
    from_document,
    offline_round,
    read_file,
)

# --- snapshot forms -----------------------------------------------------------------------


def test_the_raw_http_envelope_is_read() -> None:
    doc = document("examples/status-dr-perf-primary-2024.json")
    got = from_document("A", doc)
    assert got.status == doc["data"] and got.cluster == "A"
    assert got.mode_of("dr") == "primary" and not got.read_time_known


def test_the_cli_format_json_envelope_is_read() -> None:
    # `vault read -format=json sys/replication/status`: no wrap_info, no auth members.
    doc = document("corpus/status/vault-guides-2019-12-dr-perf-primary.json")
    assert "data" in doc and "wrap_info" not in doc
    assert from_document("A", doc).mode_of("performance") == "primary"


def test_the_docs_data_only_form_is_read() -> None:
    doc = document("corpus/status/vault-docs-2024-dr-perf-primary.json")
    assert list(doc) == ["data"]
    assert from_document("A", doc).status == doc["data"]


def test_a_bare_status_without_data_is_read() -> None:
    bare = document("corpus/status/vault-docs-2024-dr-perf-primary.json")["data"]
    assert from_document("A", bare).status == bare


def test_a_flat_section_in_an_envelope_takes_its_mode_from_the_file_name() -> None:
    doc = document("corpus/sections/vault-docs-2020-dr-status-secondary.json")
    got = from_document("B", doc, source="snapshots/b-dr-status.json")
    assert got.status == {"dr": doc["data"]}


def test_a_bare_flat_section_takes_its_mode_from_the_name_or_the_argument() -> None:
    section = document("corpus/sections/vault-docs-2020-performance-status-secondary.json")["data"]
    assert from_document("B", section, source="b_perf.json").mode_of("performance") == "secondary"
    assert from_document("B", section, mode="dr").mode_of("dr") == "secondary"
    with pytest.raises(SnapshotError, match=r"b\.json is one mode's status but does not say"):
        from_document("B", section, source="b.json")


def test_a_flat_section_with_a_mode_only_member_says_its_mode() -> None:
    section = document("examples/status-dr-perf-primary-2024.json")["data"]["performance"]
    assert from_document("A", section, source="a-dr.json").mode_of("performance") == "primary"


def test_the_wrapper_holds_status_leader_health_and_read_time() -> None:
    secondary, _ = pair_2024()
    leader = {"leader_cluster_address": "https://10.0.0.1:8201"}
    doc = wrap(secondary, leader={"data": leader}, version="1.16.0+ent", read_at=12.5)
    doc["cluster"] = "C"
    got = from_document("file-stem", doc)
    assert (got.cluster, got.read_at, got.leader) == ("C", 12.5, leader)
    assert got.health == {"version": "1.16.0+ent", "initialized": True, "sealed": False}
    assert got.status == secondary
    enveloped = wrap(secondary)
    enveloped["health"] = {"data": {"version": "1.16.0+ent"}}
    assert from_document("C", enveloped).health == {"version": "1.16.0+ent"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([1, 2], "is not a JSON object"),
        ({"data": {"errors": []}}, "is no replication status"),
        ({"dr": 3}, "dr or performance member that is not an object"),
        ({"status": {"dr": {"mode": "disabled"}}, "read_at": "noon"}, "read_at that is not"),
        ({"status": {"dr": {"mode": "disabled"}}, "read_at": True}, "read_at that is not"),
        ({"status": {"dr": {"mode": "disabled"}}, "leader": "x"}, "leader member that is not"),
        ({"status": {"dr": {"mode": "disabled"}}, "cluster": 3}, "cluster member that is not"),
        ({"status": None}, "no status and no error"),
        ({"status": None, "error": 5}, "error member that is not"),
    ],
)
def test_anything_else_is_one_sentence_naming_the_file(doc: Any, message: str) -> None:
    with pytest.raises(SnapshotError, match=message) as raised:
        from_document("A", doc, source="snaps/a.json")
    assert str(raised.value).startswith("snaps/a.json ") and "\n" not in str(raised.value)


def test_a_cluster_that_could_not_be_read_keeps_its_error() -> None:
    got = from_document("C", {"status": None, "error": "C did not answer (timeout)",
                              "url": "https://c:8200", "read_at": 3.0})
    assert (got.status, got.error, got.url, got.read_at) == (
        None, "C did not answer (timeout)", "https://c:8200", 3.0)


def test_files_are_named_by_their_stem_and_bad_files_say_why(tmp_path: Path) -> None:
    good = tmp_path / "east.json"
    good.write_text(json.dumps({"dr": {"mode": "disabled"}}), encoding="utf-8")
    assert read_file(good).cluster == "east" and read_file(good).source == str(good)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"broken\.json is not JSON"):
        read_file(broken)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(SnapshotError, match="is not UTF-8"):
        read_file(binary)
    with pytest.raises(SnapshotError, match="cannot read"):
        read_file(tmp_path / "missing.json")


def test_an_offline_round_keeps_the_order_given_unless_every_file_has_a_read_time(
        tmp_path: Path) -> None:
    secondary, primary = pair_2024()
    (tmp_path / "p.json").write_text(json.dumps(wrap(primary, read_at=2.0)), encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps(wrap(secondary, read_at=1.0)), encoding="utf-8")
    (tmp_path / "x.json").write_text(json.dumps(secondary), encoding="utf-8")
    timed = offline_round([tmp_path / "p.json", tmp_path / "s.json"])
    assert [r.cluster for r in timed] == ["s", "p"]
    given = offline_round([tmp_path / "p.json", tmp_path / "x.json"])
    assert [r.cluster for r in given] == ["p", "x"] and math.isnan(given[1].read_at)


def test_two_files_of_one_cluster_are_refused(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps({"status": {"dr": {"mode": "disabled"}},
                                                         "cluster": "east"}),
                                     encoding="utf-8")
    with pytest.raises(SnapshotError, match="both hold the cluster 'east'"):
        offline_round([tmp_path / "a.json", tmp_path / "b.json"])


# --- pairing ------------------------------------------------------------------------------


def _ids(pairing: Any) -> set[tuple[str, str, str]]:
    return {(u.cluster, u.mode, u.kind) for u in pairing.unpaired}


def test_a_secondary_pairs_with_the_primary_of_its_cluster_id_that_knows_it() -> None:
    secondary, primary = pair_2024()
    pairing = pair(round_of((S, secondary), (P, primary)))
    assert pairing.links == (Link("performance", P, S, "00616ea0-3094-5017-29f9-644f3633f0da",
                                  "cd0463e0-a37f-7421-345e-aad53007479f"),)
    assert pairing.links[0].label == "performance: primary -> secondary"
    assert pairing.links[0].known and pairing.links[0].shares_cluster_id
    # Each is also a DR primary whose DR secondary was not read: a note, not a fault.
    assert _ids(pairing) == {(S, "dr", "primary-without-secondaries"),
                             (P, "dr", "primary-without-secondaries")}
    assert pairing.primaries("performance") == {"00616ea0-3094-5017-29f9-644f3633f0da": [P]}
    assert pairing.links_of(S) == pairing.links and pairing.links_of("Z") == ()


def test_a_secondary_id_the_primary_does_not_know_still_pairs_and_is_flagged() -> None:
    secondary, primary = pair_2024()
    primary["performance"]["known_secondaries"] = ["someone-else"]
    pairing = pair(round_of((S, secondary), (P, primary)))
    assert len(pairing.links) == 1 and not pairing.links[0].known
    assert (S, "performance", "unknown-secondary-id") in _ids(pairing)


def test_another_cluster_id_pairs_by_the_secondary_id_one_primary_knows() -> None:
    secondary, primary = pair_2024()
    secondary["performance"]["cluster_id"] = "another-set"
    pairing = pair(round_of((S, secondary), (P, primary)))
    assert len(pairing.links) == 1 and not pairing.links[0].shares_cluster_id
    assert pairing.links[0].cluster_id == primary["performance"]["cluster_id"]


def test_a_secondary_no_primary_of_the_round_claims_is_an_orphan() -> None:
    secondary, primary = pair_2024()
    secondary["performance"]["cluster_id"] = "another-set"
    primary["performance"]["known_secondaries"] = []
    pairing = pair(round_of((S, secondary), (P, primary)))
    assert pairing.links == ()
    assert {(S, "performance", "orphan-secondary"),
            (P, "performance", "primary-without-secondaries")} <= _ids(pairing)
    assert pair(round_of((S, pair_2024()[0]))).unpaired[-1].kind == "orphan-secondary"


def test_an_idle_secondary_that_never_connected_has_no_partner() -> None:
    idle = document("corpus/status/vault-ui-2025-dr-secondary-idle.json")
    pairing = pair(round_of(("B", idle)))
    assert pairing.links == () and _ids(pairing) == {("B", "dr", "idle-secondary")}
    assert "no partner" in pairing.unpaired[0].why


def test_a_demoted_primary_keeps_the_cluster_id_of_its_set() -> None:
    # After a failover: B was promoted (DR primary of the set), A demoted (idle, same id).
    idle = document("corpus/status/vault-ui-2025-dr-secondary-idle.json")
    cluster_id = idle["data"]["dr"]["cluster_id"]
    promoted = {"dr": {"mode": "primary", "cluster_id": cluster_id, "known_secondaries": [],
                       "state": "running"}}
    pairing = pair(round_of(("A", idle), ("B", promoted)))
    assert _ids(pairing) == {("A", "dr", "demoted-primary"),
                             ("B", "dr", "primary-without-secondaries")}


def test_two_primaries_of_one_cluster_id_are_both_listed() -> None:
    secondary, primary = pair_2024()
    pairing = pair(round_of((S, secondary), (P, primary), ("P2", pair_2024()[1])))
    cluster_id = primary["performance"]["cluster_id"]
    assert pairing.primaries("performance")[cluster_id] == [P, "P2"]
    assert [link.primary for link in pairing.links] == [P]


def test_unread_and_disabled_clusters_form_nothing() -> None:
    disabled = document("examples/status-enterprise-disabled.json")
    pairing = pair((read("down", None, error="unreachable"), from_document("off", disabled)))
    assert pairing.links == () and pairing.unpaired == ()


def test_a_secondary_of_each_mode_pairs_in_its_own_mode() -> None:
    # The docs' DR sections: a flat dr/status pair, mode told by the file names.
    sections = "corpus/sections/vault-docs-2020-dr-status"
    secondary = from_document("B", document(f"{sections}-secondary.json"), source="b-dr.json")
    primary = from_document("A", document(f"{sections}-primary.json"), source="a-dr.json")
    pairing = pair((secondary, primary))
    assert [link.label for link in pairing.links] == ["dr: A -> B"]
    assert pairing.unpaired == ()
