"""Every relation across clusters, both ways: on the docs' 2024 pair (consistent) and on that
pair with one field changed (exactly the relation concerned fails), on synthetic rounds over
time, and against the reference topologies served live (every non-active relation holds)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from topology_snapshots import P, S, failed_ids, judged, one, pair_2024, results, round_of, wrap

from replcheck import spec
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.topology.judging import judge
from replcheck.conformance.topology.relations import (
    REGISTRY,
    Relation,
    RelationContext,
    TopologySettings,
    relation,
)
from replcheck.conformance.topology.rules import all_relations
from replcheck.conformance.topology.rules.fields import as_time
from replcheck.conformance.topology.snapshot import ClusterRead, Round

PERF = "performance"
BEAT = "2024-03-04T10:05:56-05:00"
AT = as_time(BEAT) or 0.0
ACTIVE = {"TOPOLOGY-WRITE-REACHES", "TOPOLOGY-REINDEX-RECOVERS", "TOPOLOGY-RECOVER"}
HISTORY = {"TOPOLOGY-MERKLE-LOOP", "TOPOLOGY-STREAM-RESUMES", "TOPOLOGY-HEARTBEAT-ADVANCES"}
PRIMARY_LEADER = {"leader_address": "https://127.0.0.1:65521",
                  "leader_cluster_address": "https://127.0.0.1:65524"}
SECONDARY_LEADER = {"leader_address": "https://127.0.0.1:49155",
                    "leader_cluster_address": "https://127.0.0.1:49160"}

Docs = tuple[dict[str, Any], dict[str, Any]]


def _docs() -> Docs:
    """The 2024 pair with what a live read adds: sys/leader, sys/health and read times."""
    secondary, primary = pair_2024()
    return (wrap(secondary, leader=dict(SECONDARY_LEADER), version="1.16.0+ent",
                 read_at=AT + 1),
            wrap(primary, leader=dict(PRIMARY_LEADER), version="1.16.0+ent", read_at=AT + 2))


def _round(docs: Docs) -> Round:
    return round_of((S, docs[0]), (P, docs[1]))


def _sec(docs: Docs) -> dict[str, Any]:
    section: dict[str, Any] = docs[0]["status"][PERF]
    return section


def _pri(docs: Docs) -> dict[str, Any]:
    section: dict[str, Any] = docs[1]["status"][PERF]
    return section


def test_the_consistent_pair_passes_every_relation_one_round_shows() -> None:
    judgement = judged(_round(_docs()))
    for result in judgement.results:
        if result.requirement in HISTORY or result.requirement == "TOPOLOGY-EXPECTED-ROLES":
            assert result.outcome is Outcome.NOT_RUN and result.reason, result
        else:
            assert result.outcome is Outcome.PASSED, (result.requirement, result.reason)
            assert result.judged > 0
    link = "performance: primary -> secondary"
    assert {r.name for r in judgement.results} == {link, "set"}
    assert judgement.timelines == {link: [(AT + 1, "stream-wals", "connected")]}


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Docs], None]:
    """A change of one field: ``("s"|"p", member, ...)`` in the side's performance section,
    or ``("s"|"p", "@version")`` in its health."""

    def change(docs: Docs) -> None:
        side = docs[0] if path[0] == "s" else docs[1]
        if path[1] == "@version":
            side["health"]["version"] = value
            return
        target: Any = side["status"][PERF]
        for key in path[1:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


MUTATIONS: list[tuple[str, Callable[[Docs], None], str]] = [
    ("secondary cluster_id", _set(("s", "cluster_id"), "another-set"),
     "TOPOLOGY-SHARED-CLUSTER-ID"),
    ("primary known_secondaries", _set(("p", "known_secondaries"), ["someone-else"]),
     "TOPOLOGY-SECONDARY-KNOWN"),
    ("primary secondaries[0].node_id", _set(("p", "secondaries", 0, "node_id"), "other"),
     "TOPOLOGY-PEER-IDS"),
    ("secondary known_primary_cluster_addrs empty", _set(("s", "known_primary_cluster_addrs"),
                                                          []), "TOPOLOGY-PRIMARY-ADDRS"),
    ("secondary known_primary_cluster_addrs without the leader",
     _set(("s", "known_primary_cluster_addrs"), ["https://127.0.0.1:65525"]),
     "TOPOLOGY-PRIMARY-ADDRS"),
    ("secondary primaries[0].cluster_address", _set(("s", "primaries", 0, "cluster_address"),
                                                    "https://10.9.9.9:8201"),
     "TOPOLOGY-PEER-ADDRESSES"),
    ("primary secondaries[0].api_address", _set(("p", "secondaries", 0, "api_address"),
                                                "https://10.9.9.9:8200"),
     "TOPOLOGY-PEER-ADDRESSES"),
    ("secondary last_remote_wal", _set(("s", "last_remote_wal"), 224), "TOPOLOGY-WAL-BOUND"),
    ("secondary merkle_root", _set(("s", "merkle_root"), "0" * 40),
     "TOPOLOGY-MERKLE-CONVERGE"),
    ("secondary state merkle-sync", _set(("s", "state"), "merkle-sync"),
     "TOPOLOGY-HEALTHY-STATES"),
    ("secondary state idle", _set(("s", "state"), "idle"), "TOPOLOGY-HEALTHY-STATES"),
    ("secondary connection_state", _set(("s", "connection_state"), "transient_failure"),
     "TOPOLOGY-HEALTHY-STATES"),
    ("primary state", _set(("p", "state"), "idle"), "TOPOLOGY-HEALTHY-STATES"),
    ("secondary primaries[0].connection_status", _set(
        ("s", "primaries", 0, "connection_status"), "disconnected"),
     "TOPOLOGY-CONNECTION-AGREES"),
    ("primary secondaries[0].connection_status", _set(
        ("p", "secondaries", 0, "connection_status"), "disconnected"),
     "TOPOLOGY-CONNECTION-AGREES"),
    ("secondary primaries[0].last_heartbeat", _set(("s", "primaries", 0, "last_heartbeat"),
                                                   "2024-03-04T09:05:56-05:00"),
     "TOPOLOGY-HEARTBEAT-AGE"),
    ("secondary version", _set(("s", "@version"), "1.15.4+ent"), "TOPOLOGY-VERSION-ORDER"),
    ("secondary primaries[0].clock_skew_ms", _set(("s", "primaries", 0, "clock_skew_ms"),
                                                  "5000"), "TOPOLOGY-CLOCK-SKEW"),
    ("primary secondaries[0].clock_skew_ms", _set(("p", "secondaries", 0, "clock_skew_ms"),
                                                  "-900"), "TOPOLOGY-CLOCK-SKEW"),
    ("secondary canary age", _set(("s", "primaries", 0, "replication_primary_canary_age_ms"),
                                  "60000"), "TOPOLOGY-CANARY-AGE"),
    ("primary canary age", _set(("p", "secondaries", 0, "replication_primary_canary_age_ms"),
                                "-5"), "TOPOLOGY-CANARY-AGE"),
]


@pytest.mark.parametrize(("change", "requirement"), [(m[1], m[2]) for m in MUTATIONS],
                         ids=[m[0] for m in MUTATIONS])
def test_one_changed_field_fails_exactly_its_relation(change: Callable[[Docs], None],
                                                      requirement: str) -> None:
    docs = _docs()
    change(docs)
    judgement = judged(_round(docs))
    assert failed_ids(judgement) == {requirement}
    finding = one(judgement, requirement).findings[0]
    assert finding.requirement == requirement and finding.message and finding.expected
    assert finding.source.startswith("topology.")


def test_every_link_relation_has_a_mutation_that_fails_it() -> None:
    link_relations = {r.requirement for r in all_relations() if r.over == "link"}
    assert link_relations <= {m[2] for m in MUTATIONS}


# --- set relations ------------------------------------------------------------------------


def test_two_primaries_of_one_cluster_id_fail_one_primary() -> None:
    docs = _docs()
    twin = copy.deepcopy(docs[1])
    judgement = judged(round_of((S, docs[0]), (P, docs[1]), ("twin", twin)))
    assert failed_ids(judgement) == {"TOPOLOGY-ONE-PRIMARY"}
    result = one(judgement, "TOPOLOGY-ONE-PRIMARY")
    assert result.name == "set" and "primary, twin" in result.findings[0].message


def test_a_set_without_any_primary_has_nothing_to_judge_for_one_primary() -> None:
    docs = _docs()
    result = one(judged(round_of((S, docs[0]))), "TOPOLOGY-ONE-PRIMARY")
    assert result.outcome is Outcome.PASSED  # S is a DR primary of its own id
    _sec(docs)["mode"] = "secondary"
    docs[0]["status"]["dr"] = {"mode": "disabled"}
    lone = judged(round_of((S, docs[0])))
    assert one(lone, "TOPOLOGY-ONE-PRIMARY").outcome is Outcome.NOT_RUN


def test_expected_roles_judge_each_cluster_both_ways() -> None:
    good = TopologySettings(expected_roles={S: {PERF: "secondary", "dr": "primary"},
                                            P: {PERF: "primary"}})
    judgement = judged(_round(_docs()), good)
    assert one(judgement, "TOPOLOGY-EXPECTED-ROLES").outcome is Outcome.PASSED
    assert one(judgement, "TOPOLOGY-EXPECTED-ROLES").judged == 3
    bad = TopologySettings(expected_roles={S: {PERF: "primary"}, "gone": {PERF: "primary"}})
    result = one(judged(_round(_docs()), bad), "TOPOLOGY-EXPECTED-ROLES")
    assert result.outcome is Outcome.FAILED
    assert result.findings[0].message.startswith("secondary: it is secondary in performance")
    assert any("gone was not read" in note for note in result.notes)


# --- each relation's other way: not applicable, nothing to judge, allowances -------------


def test_the_wal_bound_needs_the_secondary_read_first() -> None:
    docs = _docs()
    _sec(docs)["last_remote_wal"] = 224
    del docs[0]["read_at"], docs[1]["read_at"]  # the order in the round is the read order
    primary_first = round_of((P, docs[1]), (S, docs[0]))
    result = one(judged(primary_first), "TOPOLOGY-WAL-BOUND")
    assert result.outcome is Outcome.NOT_RUN and not result.inapplicable
    assert "primary was read before secondary" in result.reason
    # Read times, when known, win over the order in the round.
    docs[0]["read_at"], docs[1]["read_at"] = AT + 1, AT + 0.5
    assert one(judged(round_of((S, docs[0]), (P, docs[1]))),
               "TOPOLOGY-WAL-BOUND").outcome is Outcome.NOT_RUN


def test_the_wal_bound_allows_zero_at_bootstrap() -> None:
    docs = _docs()
    _sec(docs)["last_remote_wal"] = 0
    result = one(judged(_round(docs)), "TOPOLOGY-WAL-BOUND")
    assert result.outcome is Outcome.PASSED and "right after the set-up" in result.notes[0]


def test_the_wal_bound_falls_back_to_last_wal() -> None:
    docs = _docs()
    del _pri(docs)["last_performance_wal"]
    _pri(docs)["last_wal"] = 200
    result = one(judged(_round(docs)), "TOPOLOGY-WAL-BOUND")
    assert result.outcome is Outcome.FAILED and "last_wal 200" in result.findings[0].message


@pytest.mark.parametrize("sign", ["promoted", "repointed", "settings"])
def test_the_wal_bound_is_skipped_after_a_failover(sign: str) -> None:
    docs = _docs()
    _sec(docs)["last_remote_wal"] = 999
    settings = TopologySettings()
    if sign == "promoted":
        _pri(docs)["last_remote_wal"] = 12
    elif sign == "repointed":
        docs[1]["leader"]["leader_cluster_address"] = "https://10.1.1.1:8201"
    else:
        settings = TopologySettings(after_failover=frozenset({S}))
    result = one(judged(_round(docs), settings), "TOPOLOGY-WAL-BOUND")
    assert result.outcome is Outcome.NOT_RUN and result.inapplicable
    assert "unrelated after a failover" in result.reason


def test_an_idle_secondary_has_no_wal_bound_and_no_address_rule() -> None:
    docs = _docs()
    _sec(docs)["state"] = "idle"
    del _sec(docs)["last_remote_wal"]
    judgement = judged(_round(docs))
    for requirement in ("TOPOLOGY-WAL-BOUND", "TOPOLOGY-PRIMARY-ADDRS"):
        assert one(judgement, requirement).inapplicable, requirement


def test_roots_are_compared_only_once_caught_up_and_streaming() -> None:
    docs = _docs()
    _sec(docs)["last_remote_wal"] = 200
    _sec(docs)["merkle_root"] = "0" * 40
    lagging = one(judged(_round(docs)), "TOPOLOGY-MERKLE-CONVERGE")
    assert lagging.outcome is Outcome.NOT_RUN and "not caught up" in lagging.reason
    _sec(docs)["last_remote_wal"] = 223
    _sec(docs)["state"] = "merkle-diff"
    syncing = one(judged(_round(docs)), "TOPOLOGY-MERKLE-CONVERGE")
    assert syncing.outcome is Outcome.NOT_RUN and "not streaming" in syncing.reason


def test_a_bootstrapped_secondary_at_wal_zero_has_the_primary_root() -> None:
    docs = _docs()
    _sec(docs)["last_remote_wal"] = 0
    assert one(judged(_round(docs)), "TOPOLOGY-MERKLE-CONVERGE").outcome is Outcome.PASSED
    # Zero with another root: the primary wrote and nothing streamed yet -- lag, not judged.
    _sec(docs)["merkle_root"] = "0" * 40
    result = one(judged(_round(docs)), "TOPOLOGY-MERKLE-CONVERGE")
    assert result.outcome is Outcome.NOT_RUN and "no write has streamed" in result.reason


def test_addresses_without_sys_leader() -> None:
    docs = _docs()
    del docs[0]["leader"], docs[1]["leader"]
    judgement = judged(_round(docs))
    addrs = one(judgement, "TOPOLOGY-PRIMARY-ADDRS")
    assert addrs.outcome is Outcome.PASSED and "was not read" in addrs.notes[0]
    peers = one(judgement, "TOPOLOGY-PEER-ADDRESSES")
    assert peers.outcome is Outcome.NOT_RUN and "sys/leader was read on neither" in peers.reason


def test_addresses_compare_hosts_not_schemes() -> None:
    docs = _docs()
    docs[1]["leader"] = {"leader_address": "http://127.0.0.1:8200",
                         "leader_cluster_address": "https://127.0.0.1:65524/"}
    judgement = judged(_round(docs))
    assert one(judgement, "TOPOLOGY-PEER-ADDRESSES").outcome is Outcome.PASSED
    assert one(judgement, "TOPOLOGY-PRIMARY-ADDRS").outcome is Outcome.PASSED


def test_connection_agreement_when_one_side_does_not_list_the_other() -> None:
    docs = _docs()
    _sec(docs)["primaries"] = []
    _pri(docs)["secondaries"][0]["connection_status"] = "disconnected"
    assert one(judged(_round(docs)), "TOPOLOGY-CONNECTION-AGREES").outcome is Outcome.PASSED
    _pri(docs)["secondaries"][0]["connection_status"] = "connected"
    result = one(judged(_round(docs)), "TOPOLOGY-CONNECTION-AGREES")
    assert result.outcome is Outcome.FAILED and "does not list it" in result.findings[0].message


def test_a_disconnected_link_has_no_heartbeat_skew_or_canary_bound() -> None:
    docs = _docs()
    _sec(docs)["primaries"][0]["connection_status"] = "disconnected"
    _pri(docs)["secondaries"][0]["connection_status"] = "disconnected"
    judgement = judged(_round(docs))
    for requirement in ("TOPOLOGY-HEARTBEAT-AGE", "TOPOLOGY-CLOCK-SKEW", "TOPOLOGY-CANARY-AGE"):
        assert one(judgement, requirement).inapplicable, requirement
    assert one(judgement, "TOPOLOGY-CONNECTION-AGREES").outcome is Outcome.PASSED


def test_heartbeat_age_against_the_read_and_without_a_read_time() -> None:
    docs = _docs()
    docs[0]["read_at"] = docs[1]["read_at"] = AT + 600
    stale = one(judged(_round(docs)), "TOPOLOGY-HEARTBEAT-AGE")
    assert stale.outcome is Outcome.FAILED and len(stale.findings) == 2
    assert "600 s old at the read" in stale.findings[0].message
    del docs[0]["read_at"], docs[1]["read_at"]
    unknown = one(judged(_round(docs)), "TOPOLOGY-HEARTBEAT-AGE")
    assert unknown.outcome is Outcome.PASSED and unknown.judged == 1
    assert "without its read time" in unknown.notes[0]
    loose = TopologySettings(heartbeat_max_age_s=3600)
    docs[0]["read_at"] = docs[1]["read_at"] = AT + 600
    assert one(judged(_round(docs), loose), "TOPOLOGY-HEARTBEAT-AGE").outcome is Outcome.PASSED


def test_a_heartbeat_that_is_no_time_fails() -> None:
    docs = _docs()
    _pri(docs)["secondaries"][0]["last_heartbeat"] = "yesterday"
    result = one(judged(_round(docs)), "TOPOLOGY-HEARTBEAT-AGE")
    assert result.outcome is Outcome.FAILED and "no RFC 3339" in result.findings[0].message


def test_skew_and_canary_are_not_applicable_before_vault_1_17() -> None:
    docs = _docs()
    for peer in (_sec(docs)["primaries"][0], _pri(docs)["secondaries"][0]):
        for member in ("clock_skew_ms", "replication_primary_canary_age_ms",
                       "last_heartbeat_duration_ms"):
            del peer[member]
    judgement = judged(_round(docs))
    for requirement in ("TOPOLOGY-CLOCK-SKEW", "TOPOLOGY-CANARY-AGE"):
        result = one(judgement, requirement)
        assert result.inapplicable and "before 1.17" in result.reason


def test_a_skew_that_is_no_number_fails() -> None:
    docs = _docs()
    _sec(docs)["primaries"][0]["clock_skew_ms"] = "0ms"
    result = one(judged(_round(docs)), "TOPOLOGY-CLOCK-SKEW")
    assert result.outcome is Outcome.FAILED and "no number" in result.findings[0].message


def test_the_skew_bounds_are_settings() -> None:
    docs = _docs()
    for peer in (_sec(docs)["primaries"][0], _pri(docs)["secondaries"][0]):
        peer["clock_skew_ms"] = "1500"
    assert one(judged(_round(docs)), "TOPOLOGY-CLOCK-SKEW").outcome is Outcome.FAILED
    loose = TopologySettings(clock_skew_max_ms=2000)
    assert one(judged(_round(docs), loose), "TOPOLOGY-CLOCK-SKEW").outcome is Outcome.PASSED


def test_versions_need_sys_health_on_both_sides() -> None:
    docs = _docs()
    del docs[1]["health"]
    result = one(judged(_round(docs)), "TOPOLOGY-VERSION-ORDER")
    assert result.outcome is Outcome.NOT_RUN and "sys/health of primary" in result.reason
    docs = _docs()
    docs[0]["health"]["version"] = "1.16.10+ent"
    docs[1]["health"]["version"] = "1.16.9+ent"
    assert one(judged(_round(docs)), "TOPOLOGY-VERSION-ORDER").outcome is Outcome.PASSED


def test_a_primary_without_state_leaves_its_side_unjudged() -> None:
    docs = _docs()
    del _pri(docs)["state"]
    result = one(judged(_round(docs)), "TOPOLOGY-HEALTHY-STATES")
    assert result.outcome is Outcome.PASSED and "omits it" in result.notes[0]


def test_a_round_without_links_says_so_for_every_link_relation() -> None:
    docs = _docs()
    judgement = judged(round_of((P, docs[1])))
    for result in results(judgement, "TOPOLOGY-WAL-BOUND"):
        assert result.name == "set" and "no link was paired" in result.reason


# --- over time ----------------------------------------------------------------------------


def _rounds(states: list[tuple[float, str, str]]) -> list[Round]:
    """Rounds of the 2024 pair at (offset, secondary state, heartbeat) each."""
    found = []
    for offset, state, beat in states:
        docs = _docs()
        _sec(docs)["state"] = state
        _sec(docs)["primaries"][0]["last_heartbeat"] = beat
        docs[0]["read_at"], docs[1]["read_at"] = AT + offset, AT + offset + 0.1
        found.append(_round(docs))
    return found


def _history(states: list[tuple[float, str, str]], requirement: str,
             settings: TopologySettings | None = None) -> Any:
    return one(judge(_rounds(states), settings or TopologySettings()), requirement)


def test_a_merkle_loop_fails_and_a_settled_sync_passes() -> None:
    loop = [(0, "merkle-diff", BEAT), (5, "merkle-sync", BEAT), (10, "merkle-diff", BEAT)]
    assert _history(loop, "TOPOLOGY-MERKLE-LOOP").outcome is Outcome.FAILED
    settled = [(0, "merkle-diff", BEAT), (5, "merkle-sync", BEAT), (10, "stream-wals", BEAT),
               (45, "stream-wals", BEAT), (50, "merkle-diff", BEAT)]
    assert _history(settled, "TOPOLOGY-MERKLE-LOOP").outcome is Outcome.PASSED
    assert _history(loop[:1], "TOPOLOGY-MERKLE-LOOP").outcome is Outcome.NOT_RUN


def test_a_brief_stay_in_stream_wals_between_merkle_phases_is_a_loop() -> None:
    brief = [(0, "merkle-sync", BEAT), (5, "stream-wals", BEAT), (10, "stream-wals", BEAT),
             (15, "merkle-diff", BEAT)]
    result = _history(brief, "TOPOLOGY-MERKLE-LOOP")
    assert result.outcome is Outcome.FAILED and "after 5 s in stream-wals" in (
        result.findings[0].message)
    held = [(0, "merkle-sync", BEAT), (5, "stream-wals", BEAT), (40, "stream-wals", BEAT),
            (45, "merkle-diff", BEAT)]
    assert _history(held, "TOPOLOGY-MERKLE-LOOP").outcome is Outcome.PASSED
    loose = TopologySettings(merkle_settle_s=4)
    assert _history(brief, "TOPOLOGY-MERKLE-LOOP", loose).outcome is Outcome.PASSED
    # A first merkle phase after a long stream (a reindex) is no loop.
    first = [(0, "stream-wals", BEAT), (5, "merkle-diff", BEAT), (10, "merkle-sync", BEAT),
             (15, "stream-wals", BEAT)]
    assert _history(first, "TOPOLOGY-MERKLE-LOOP").outcome is Outcome.PASSED


def test_a_stream_must_resume_within_the_bound() -> None:
    bound = TopologySettings(converge_timeout_s=20)
    back = [(0, "stream-wals", BEAT), (5, "merkle-diff", BEAT), (15, "stream-wals", BEAT)]
    assert _history(back, "TOPOLOGY-STREAM-RESUMES", bound).outcome is Outcome.PASSED
    late = [(0, "merkle-diff", BEAT), (30, "stream-wals", BEAT)]
    assert _history(late, "TOPOLOGY-STREAM-RESUMES", bound).outcome is Outcome.FAILED
    never = [(0, "stream-wals", BEAT), (5, "idle", BEAT), (40, "idle", BEAT)]
    result = _history(never, "TOPOLOGY-STREAM-RESUMES", bound)
    assert result.outcome is Outcome.FAILED and "'idle'" in result.findings[0].message
    young = [(0, "stream-wals", BEAT), (5, "idle", BEAT), (10, "idle", BEAT)]
    result = _history(young, "TOPOLOGY-STREAM-RESUMES", bound)
    assert result.outcome is Outcome.PASSED and "not judged yet" in result.notes[0]


def test_a_heartbeat_must_advance_between_reads_far_apart() -> None:
    later = "2024-03-04T10:06:36-05:00"
    moving = [(0, "stream-wals", BEAT), (40, "stream-wals", later)]
    assert _history(moving, "TOPOLOGY-HEARTBEAT-ADVANCES").outcome is Outcome.PASSED
    stuck = [(0, "stream-wals", BEAT), (40, "stream-wals", BEAT)]
    assert _history(stuck, "TOPOLOGY-HEARTBEAT-ADVANCES").outcome is Outcome.FAILED
    close = [(0, "stream-wals", BEAT), (10, "stream-wals", BEAT)]
    result = _history(close, "TOPOLOGY-HEARTBEAT-ADVANCES")
    assert result.outcome is Outcome.NOT_RUN and "30 s apart" in result.reason


def test_timelines_follow_the_secondary_over_the_rounds() -> None:
    rounds = _rounds([(0, "merkle-diff", BEAT), (5, "stream-wals", BEAT)])
    assert judge(rounds).timelines["performance: primary -> secondary"] == [
        (AT, "merkle-diff", "connected"), (AT + 5, "stream-wals", "connected")]


# --- the registry and judge's options -----------------------------------------------------


def test_every_topology_requirement_but_the_active_ones_has_one_relation() -> None:
    topology = {r.id for r in spec.requirements() if r.category == "topology"}
    assert len(topology) == 21
    assert {r.requirement for r in all_relations()} == topology - ACTIVE
    for requirement in topology:
        entry = spec.requirement(requirement)
        assert entry.scope == "topology" and entry.mutating is (requirement in ACTIVE)
    assert {r.requirement for r in all_relations() if r.converges} == {
        "TOPOLOGY-MERKLE-CONVERGE", "TOPOLOGY-HEALTHY-STATES"}
    assert {r.requirement for r in all_relations() if r.over == "history"} == HISTORY


def test_a_requirement_takes_one_relation() -> None:
    with pytest.raises(ValueError, match="already has a relation"):
        relation("TOPOLOGY-WAL-BOUND", over="link")(lambda *args: None)


def test_a_broken_relation_is_an_error_of_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx: RelationContext, *args: Any) -> None:
        raise KeyError("oops")

    monkeypatch.setitem(REGISTRY, "TOPOLOGY-CANARY-AGE",
                        Relation("TOPOLOGY-CANARY-AGE", "link", False, boom))
    result = one(judged(_round(_docs())), "TOPOLOGY-CANARY-AGE")
    assert result.outcome is Outcome.ERROR and "KeyError" in result.reason


def test_a_relation_that_compares_nothing_is_not_run() -> None:
    ctx = RelationContext("TOPOLOGY-WAL-BOUND", "x", TopologySettings())
    assert ctx.result().outcome is Outcome.NOT_RUN and ctx.result().reason


def test_keyword_history_and_only_select_relations() -> None:
    rounds = [_round(_docs())]
    assert {r.requirement for r in judge(rounds, keyword="WAL").results} == {
        "TOPOLOGY-WAL-BOUND"}
    assert not {r.requirement for r in judge(rounds, history=False).results} & HISTORY
    only = judge(rounds, only={"TOPOLOGY-HEALTHY-STATES"}).results
    assert [r.requirement for r in only] == ["TOPOLOGY-HEALTHY-STATES"]
    with pytest.raises(ValueError, match="at least one round"):
        judge([])


def test_unread_clusters_are_left_out_of_the_pairing() -> None:
    docs = _docs()
    down = ClusterRead(P, AT, None, error="primary did not answer")
    judgement = judged((round_of((S, docs[0]))[0], down))
    assert judgement.pairing.links == ()


# --- against the reference topologies, served live ----------------------------------------


def _read(cluster: Any, at: float) -> ClusterRead:
    status = cluster.get("sys/replication/status", token=None)
    leader = cluster.get("sys/leader", token=None)
    health = cluster.get("sys/health", token=None)
    assert status.status_code == 200 and leader.status_code == 200, status.text
    return ClusterRead(cluster.name, at, status.json()["data"], leader=leader.json(),
                       health=health.json(), url=cluster.url)


def _read_order(clusters: dict[str, Any], at: float) -> list[str]:
    """Secondaries before their primaries: deepest first, from a first read's pairing."""
    from replcheck.conformance.topology.pairing import pair

    first = pair(tuple(_read(c, at) for c in clusters.values()))
    depth = dict.fromkeys(clusters, 0)
    for _ in clusters:
        for link in first.links:
            depth[link.secondary] = max(depth[link.secondary], depth[link.primary] + 1)
    return sorted(clusters, key=lambda name: -depth[name])


def _roles(name: str) -> dict[str, dict[str, str]]:
    """Each cluster's role per mode as the topology's definition sets it up."""
    from replcheck.reference_server.topology.definition import load

    definition = load(name)
    roles = {c.name: {"dr": "disabled", "performance": "disabled"} for c in definition.clusters}
    for link in definition.links:
        roles[link.primary][link.mode] = "primary"
        roles[link.secondary][link.mode] = "secondary"
    return roles


@pytest.mark.parametrize("name", ["dr-pair", "perf-pair", "six-cluster"])
def test_the_reference_topology_holds_every_relation_one_or_more_rounds_show(name: str) -> None:
    from topology_clusters import SETTLE, topology

    with topology(name) as (clusters, clock):
        clock.advance(SETTLE)
        order = _read_order(clusters, clock.now)
        rounds = []
        for _ in range(3):
            rounds.append(tuple(_read(clusters[n], clock.now) for n in order))
            clock.advance(20)
        roles = _roles(name)
        judgement = judge(rounds, TopologySettings(heartbeat_advance_s=15,
                                                   expected_roles=roles))
    links = {"dr-pair": 1, "perf-pair": 1, "six-cluster": 5}[name]
    assert len(judgement.pairing.links) == links
    assert not [u for u in judgement.pairing.unpaired if u.kind != "primary-without-secondaries"]
    bad = [(r.requirement, r.name, r.outcome.value, r.reason, [f.message for f in r.findings])
           for r in judgement.results if r.outcome is not Outcome.PASSED]
    assert bad == []
    assert {r.requirement for r in judgement.results} == {r.requirement for r in all_relations()}


#: A fault of the reference topology (on dr-pair's secondary) and the relations it must fail,
#: over four rounds 25 s apart with a write on the primary between them.
FAULTS = [
    ("partition", None, {"TOPOLOGY-HEALTHY-STATES", "TOPOLOGY-STREAM-RESUMES"}),
    ("merkle-loop", None, {"TOPOLOGY-HEALTHY-STATES", "TOPOLOGY-MERKLE-LOOP",
                           "TOPOLOGY-STREAM-RESUMES"}),
    ("stopped-heartbeats", None, {"TOPOLOGY-HEARTBEAT-AGE", "TOPOLOGY-HEARTBEAT-ADVANCES",
                                  "TOPOLOGY-CANARY-AGE"}),
    ("clock-skew", "5000", {"TOPOLOGY-CLOCK-SKEW"}),
    ("older-version", "1.0.0", {"TOPOLOGY-VERSION-ORDER"}),
]


@pytest.mark.parametrize(("kind", "value", "fails"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_of_the_reference_topology_fails_its_relations(
        kind: str, value: str | None, fails: set[str]) -> None:
    from topology_clusters import SETTLE, topology

    from replcheck.reference_server.topology.definition import FaultDef

    with topology("dr-pair", faults=(FaultDef(kind, "secondary", None, value),)) as (
            clusters, clock):
        clock.advance(SETTLE)
        rounds = []
        for index in range(4):
            rounds.append(tuple(_read(clusters[n], clock.now) for n in (S, P)))
            clusters[P].post(f"sys/policies/acl/p{index}",
                             {"policy": 'path "x" { capabilities = ["read"] }'})
            clock.advance(25)
        judgement = judge(rounds, TopologySettings(heartbeat_advance_s=15,
                                                   converge_timeout_s=40))
    assert failed_ids(judgement) == fails


def test_the_reference_dr_pair_through_a_failover_drill() -> None:
    """Demote, promote with a DR operation token, then point the old primary at the new one:
    mid-drill the demoted primary is classified (no link, nothing failed); once repointed the
    reversed link holds every relation."""
    from topology_clusters import SETTLE, topology

    with topology("dr-pair") as (clusters, clock):
        clock.advance(SETTLE)
        old, new = clusters[P], clusters[S]
        assert old.post("sys/replication/dr/primary/demote").status_code == 200
        promoted = new.post("sys/replication/dr/secondary/promote",
                            {"dr_operation_token": new.operation_token()})
        assert promoted.status_code == 200, promoted.text
        clock.advance(SETTLE)
        middle = judge([(_read(old, clock.now), _read(new, clock.now))])
        token = new.post("sys/replication/dr/primary/secondary-token", {"id": P})
        repointed = old.post("sys/replication/dr/secondary/update-primary", {
            "dr_operation_token": old.operation_token(),
            "token": token.json()["wrap_info"]["token"]})
        assert repointed.status_code == 200, repointed.text
        clock.advance(SETTLE)
        rounds = []
        for index in range(3):
            rounds.append((_read(old, clock.now), _read(new, clock.now)))
            new.post(f"sys/policies/acl/q{index}",
                     {"policy": 'path "x" { capabilities = ["read"] }'})
            clock.advance(20)
        after = judge(rounds, TopologySettings(heartbeat_advance_s=15))
    assert {(u.cluster, u.kind) for u in middle.pairing.unpaired} == {
        (P, "demoted-primary"), (S, "primary-without-secondaries")}
    assert failed_ids(middle) == set()
    assert [link.label for link in after.pairing.links] == ["dr: secondary -> primary"]
    assert [r.requirement for r in after.results if r.outcome is not Outcome.PASSED] == [
        "TOPOLOGY-EXPECTED-ROLES"]
