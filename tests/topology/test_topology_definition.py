"""Topology definitions: the named sets, the file format's rules (each refusal with its exact
sentence, and the corrected file accepted), ``--fault`` parsing and the port rule."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import get_args

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replcheck import spec
from replcheck.reference_server.topology.definition import (
    FAULT_KINDS,
    NAMED,
    ClusterDef,
    FaultDef,
    FaultKind,
    LinkDef,
    Mode,
    Topology,
    TopologyError,
    assign_ports,
    fault_text,
    load,
    parse_fault,
    with_faults,
)

# --- the named topologies ----------------------------------------------------------------------


def test_named_topologies_are_the_three_the_project_names() -> None:
    assert NAMED == ("dr-pair", "perf-pair", "six-cluster")


@pytest.mark.parametrize(("name", "mode"), [("dr-pair", "dr"), ("perf-pair", "performance")])
def test_pairs(name: str, mode: str) -> None:
    topology = load(name)
    assert topology.name == name
    assert topology.clusters == (ClusterDef("primary"), ClusterDef("secondary"))
    assert topology.links == (LinkDef(mode, "primary", "secondary", "secondary"),)  # type: ignore[arg-type]
    assert topology.faults == () and topology.lag_seconds == 0.05


def test_six_cluster_is_hashicorps_replication_set() -> None:
    """sdk/helper/testcluster/replication.go: A perf primary, B its DR, C and E perf secondaries
    of A, D and F their DRs; links in SetupFourClusterReplication's order, E/F like C/D."""
    topology = load("six-cluster")
    assert [c.name for c in topology.clusters] == ["A", "B", "C", "D", "E", "F"]
    assert [(link.mode, link.primary, link.secondary, link.secondary_id)
            for link in topology.links] == [
        ("performance", "A", "C", "C"),
        ("dr", "A", "B", "B"),
        ("dr", "C", "D", "D"),
        ("performance", "A", "E", "E"),
        ("dr", "E", "F", "F"),
    ]


# --- ports ------------------------------------------------------------------------------------


def test_ports_follow_the_serving_order_from_p() -> None:
    assert assign_ports(load("six-cluster"), 8300) == {
        "A": 8300, "B": 8301, "C": 8302, "D": 8303, "E": 8304, "F": 8305}


@pytest.mark.parametrize("base", [None, 0])
def test_no_base_port_lets_the_system_pick(base: int | None) -> None:
    assert assign_ports(load("dr-pair"), base) == {"primary": 0, "secondary": 0}


def _pair(primary_port: int | None = None, secondary_port: int | None = None) -> Topology:
    return Topology(
        "t", (ClusterDef("primary", primary_port), ClusterDef("secondary", secondary_port)),
        (LinkDef("dr", "primary", "secondary", "secondary"),),
    )


def test_a_fixed_port_wins_over_p_and_over_no_base() -> None:
    assert assign_ports(_pair(secondary_port=9000), 8300) == {"primary": 8300, "secondary": 9000}
    assert assign_ports(_pair(secondary_port=9000), None) == {"primary": 0, "secondary": 9000}


def test_a_fixed_port_that_p_plus_n_also_gives_is_refused() -> None:
    with pytest.raises(TopologyError) as caught:
        assign_ports(_pair(primary_port=8301), 8300)
    assert str(caught.value) == (
        "clusters 'primary' and 'secondary' would both listen on port 8301 ('secondary' by "
        "--port 8300 + 1); choose another --port or another fixed port")
    assert assign_ports(_pair(primary_port=8301), 8302) == {"primary": 8301, "secondary": 8303}


def test_two_equal_fixed_ports_are_refused_by_assign_ports_too() -> None:
    with pytest.raises(TopologyError, match="would both listen on port 9000"):
        assign_ports(_pair(9000, 9000), None)


def test_ports_above_65535_are_refused() -> None:
    with pytest.raises(TopologyError) as caught:
        assign_ports(load("six-cluster"), 65533)
    assert str(caught.value) == (
        "--port 65533 gives cluster 'D' (position 3) the port 65536, above 65535; choose a "
        "lower --port")
    assert assign_ports(load("six-cluster"), 65530)["F"] == 65535


# --- files ------------------------------------------------------------------------------------

SIX = """\
clusters: [{name: A}, {name: B}, {name: C}, {name: D}]
links:
  - {mode: performance, primary: A, secondary: C}
  - {mode: dr, primary: A, secondary: B}
  - {mode: dr, primary: C, secondary: D}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "set.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def _refusal(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(TopologyError) as caught:
        load(path)
    message = str(caught.value)
    prefix = f"topology file {path!r}"
    assert message.startswith(prefix), message
    assert "\n" not in message
    return message.removeprefix(prefix)


def test_a_file_loads_with_its_defaults(tmp_path: Path) -> None:
    topology = load(_write(tmp_path, SIX))
    assert topology.name == "set" and topology.lag_seconds == 0.05
    assert topology.links[0] == LinkDef("performance", "A", "C", "C")
    assert topology.clusters[0] == ClusterDef("A", None, None, "root")


def test_a_file_with_every_key(tmp_path: Path) -> None:
    topology = load(_write(tmp_path, """\
        name: lab
        lag_seconds: 0.2
        clusters:
          - {name: A, port: 9100, version: 1.17.3+ent, root_token: root-a}
          - {name: B}
        links:
          - {mode: dr, primary: A, secondary: B, secondary_id: b-1}
        faults:
          - {kind: clock-skew, cluster: B, mode: dr, value: -5000}
          - {kind: older-version, cluster: B, value: 1.16.0}
          - {kind: partition, cluster: B}
        """))
    assert topology.name == "lab" and topology.lag_seconds == 0.2
    assert topology.clusters[0] == ClusterDef("A", 9100, "1.17.3+ent", "root-a")
    assert topology.links == (LinkDef("dr", "A", "B", "b-1"),)
    assert topology.faults == (
        FaultDef("clock-skew", "B", "dr", "-5000"), FaultDef("older-version", "B", None, "1.16.0"),
        FaultDef("partition", "B"))


# Each refusal: the file, the sentence after "topology file '…'", and the corrected file.
REFUSALS = [
    pytest.param(
        "clusters: [{name: A}, {name: A}]\n",
        ": clusters[1].name 'A' is already the name of clusters[0]; each cluster needs a name "
        "of its own",
        "clusters: [{name: A}, {name: B}]\n", id="duplicate-name"),
    pytest.param(
        "clusters: [{name: A, port: 9000}, {name: B, port: 9000}]\n",
        ": clusters[1].port 9000 is already the port of clusters[0] ('A'); two clusters cannot "
        "listen on one port",
        "clusters: [{name: A, port: 9000}, {name: B, port: 9001}]\n", id="duplicate-port"),
    pytest.param(
        "clusters: [{name: A}, {name: B}]\nlinks: [{mode: dr, primary: A, secondary: b}]\n",
        ": links[0].secondary 'b' names no cluster (did you mean 'B'?); the clusters are A, B",
        "clusters: [{name: A}, {name: B}]\nlinks: [{mode: dr, primary: A, secondary: B}]\n",
        id="unknown-cluster"),
    pytest.param(
        "clusters: [{name: A}]\nlinks: [{mode: dr, primary: A, secondary: A}]\n",
        ": links[0] makes 'A' a secondary of itself; a link joins two clusters",
        "clusters: [{name: A}]\nlinks: []\n", id="self-link"),
    pytest.param(
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: performance, primary: A, secondary: C},"
        " {mode: performance, primary: B, secondary: C}]\n",
        ": links[1] makes 'C' a performance secondary of 'B', but links[0] already makes it one "
        "of 'A'; a cluster follows at most one primary per mode",
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: performance, primary: A, secondary: C},"
        " {mode: performance, primary: A, secondary: B}]\n", id="two-primaries"),
    pytest.param(
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: performance, primary: A, secondary: B, secondary_id: x},"
        " {mode: performance, primary: A, secondary: C, secondary_id: x}]\n",
        ": links[1].secondary_id 'x' is already given by 'A' to 'B' in links[0]; a primary's "
        "performance secondary ids are unique",
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: performance, primary: A, secondary: B, secondary_id: x},"
        " {mode: dr, primary: A, secondary: C, secondary_id: x}]\n", id="duplicate-id"),
    pytest.param(
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: dr, primary: A, secondary: B},"
        " {mode: performance, primary: C, secondary: B}]\n",
        ": links[0] makes 'B' a DR secondary, which takes part in no other link, but links[1] "
        "makes it a performance secondary of 'C'; a DR secondary answers nothing but its status "
        "and its DR operations",
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: dr, primary: A, secondary: B},"
        " {mode: performance, primary: A, secondary: C}]\n",
        id="dr-secondary-also-performance-secondary"),
    pytest.param(
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: dr, primary: A, secondary: B},"
        " {mode: performance, primary: B, secondary: C}]\n",
        ": links[0] makes 'B' a DR secondary, which takes part in no other link, but links[1] "
        "makes it a performance primary of 'C'; a DR secondary answers nothing but its status "
        "and its DR operations",
        "clusters: [{name: A}, {name: B}, {name: C}]\n"
        "links: [{mode: dr, primary: A, secondary: B},"
        " {mode: performance, primary: A, secondary: C}]\n",
        id="dr-secondary-as-primary"),
    pytest.param(
        "clusters: [{name: A}, {name: B}]\n"
        "links: [{mode: performance, primary: A, secondary: B},"
        " {mode: performance, primary: B, secondary: A}]\n",
        ": links make a cycle A -> B -> A; replication flows from a primary to its secondaries "
        "only",
        "clusters: [{name: A}, {name: B}]\n"
        "links: [{mode: performance, primary: A, secondary: B}]\n", id="cycle"),
    pytest.param(
        "clusters: [{name: B}, {name: A}]\nlinks: [{mode: dr, primary: A, secondary: B}]\n",
        ": clusters[0] 'B' comes before its primary 'A' (clusters[1]); list a primary before its "
        "secondaries, since ports follow this order",
        "clusters: [{name: A}, {name: B}]\nlinks: [{mode: dr, primary: A, secondary: B}]\n",
        id="secondary-before-primary"),
    pytest.param(
        "clusters: [{name: A}, {name: C}, {name: D}]\n"
        "links: [{mode: dr, primary: C, secondary: D},"
        " {mode: performance, primary: A, secondary: C}]\n",
        ": links[0] sets 'C' up as a primary before links[1] makes it a secondary of 'A'; list "
        "the link that makes a cluster a secondary first, since enabling a secondary wipes its "
        "data",
        "clusters: [{name: A}, {name: C}, {name: D}]\n"
        "links: [{mode: performance, primary: A, secondary: C},"
        " {mode: dr, primary: C, secondary: D}]\n", id="link-order"),
    pytest.param(
        SIX + "faults: [{kind: partition, cluster: X}]\n",
        ": faults[0] names the cluster 'X', which the topology does not have; its clusters are "
        "A, B, C, D",
        SIX + "faults: [{kind: partition, cluster: C}]\n", id="fault-unknown-cluster"),
    pytest.param(
        SIX + "faults: [{kind: stalled-stream, cluster: A}]\n",
        ": faults[0] puts stalled-stream on 'A', which is the secondary of no link; a fault "
        "concerns a secondary",
        SIX + "faults: [{kind: stalled-stream, cluster: D}]\n", id="fault-on-no-secondary"),
    pytest.param(
        SIX + "faults: [{kind: merkle-loop, cluster: C, mode: dr}]\n",
        ": faults[0] asks for the DR link of 'C', which is a performance secondary only",
        SIX + "faults: [{kind: merkle-loop, cluster: C, mode: performance}]\n",
        id="fault-wrong-mode"),
    pytest.param(
        SIX + "faults: [{kind: partition, cluster: C}, {kind: partition, cluster: C, mode: "
        "performance}]\n",
        ": faults[1] repeats faults[0] (partition on 'C'); give each fault once",
        SIX + "faults: [{kind: partition, cluster: C}, {kind: partition, cluster: B}]\n",
        id="fault-twice"),
    pytest.param(
        "clusters: [{name: A, version: 1.16.2}, {name: B}]\n"
        "links: [{mode: dr, primary: A, secondary: B}]\n"
        "faults: [{kind: older-version, cluster: B, value: 1.16.2}]\n",
        ": faults[0] gives 'B' version 1.16.2, which is not older than 1.16.2, the version of "
        "its primary 'A'",
        "clusters: [{name: A, version: 1.16.2}, {name: B}]\n"
        "links: [{mode: dr, primary: A, secondary: B}]\n"
        "faults: [{kind: older-version, cluster: B, value: 1.16.1}]\n",
        id="older-version-not-older"),
]


@pytest.mark.parametrize(("bad", "sentence", "good"), REFUSALS)
def test_each_rule_refuses_with_its_sentence_and_the_fixed_file_loads(
    tmp_path: Path, bad: str, sentence: str, good: str
) -> None:
    assert _refusal(tmp_path, bad) == sentence
    load(_write(tmp_path, good))


SCHEMA_REFUSALS = [
    pytest.param(
        "clusters: [{name: A, prot: 9000}]\n",
        ": unknown key 'clusters[0].prot' (did you mean 'port'?); the keys there are name, "
        "port, version, root_token", id="unknown-key"),
    pytest.param(
        "clusters: [{name: A}]\nfault: []\n",
        ": unknown key 'fault' (did you mean 'faults'?); the keys there are name, lag_seconds, "
        "clusters, links, faults", id="unknown-top-key"),
    pytest.param(
        "clusters: [{nmae: A}]\n",
        ": unknown key 'clusters[0].nmae' (did you mean 'name'?); the keys there are name, "
        "port, version, root_token", id="misspelled-required-key"),
    pytest.param(
        "clusters: [{name: A, port: 70000}]\n",
        ": clusters[0].port must be a port number from 1 to 65535, got 70000", id="port-range"),
    pytest.param(
        "clusters: [{name: a b}]\n",
        ": clusters[0].name must be a name of letters, digits, _ and -, got 'a b'",
        id="name-pattern"),
    pytest.param(
        "clusters: [{name: 1}]\n",
        ": clusters[0].name must be a name of letters, digits, _ and -, got 1 (quote it in YAML "
        "to make it a string)", id="name-not-a-string"),
    pytest.param(
        "clusters: [{name: A}, {name: B}]\nlinks: [{mode: perf, primary: A, secondary: B}]\n",
        ": links[0].mode must be one of dr, performance, got 'perf' (did you mean "
        "'performance'?)", id="mode"),
    pytest.param(
        "clusters: [{name: A}, {name: B}]\nlinks: [{mode: dr, primary: A}]\n",
        ": links[0] lacks the key 'secondary'", id="missing-key"),
    pytest.param(
        SIX + "faults: [{kind: clock-skew, cluster: C}]\n",
        ": faults[0] lacks the key 'value' (a clock-skew fault needs a value)",
        id="fault-needs-value"),
    pytest.param(
        SIX + "faults: [{kind: partition, cluster: C, value: 3}]\n",
        ": faults[0].value is not taken by a partition fault; remove it", id="fault-no-value"),
    pytest.param(
        SIX + "faults: [{kind: clock-skew, cluster: C, value: 0}]\n",
        ": faults[0].value must be a non-zero whole number of milliseconds such as 5000 or "
        "-5000, got 0", id="skew-zero"),
    pytest.param(
        SIX + "faults: [{kind: partitoin, cluster: C}]\n",
        ": faults[0].kind must be one of partition, stalled-stream, merkle-loop, "
        "stopped-heartbeats, clock-skew, older-version, got 'partitoin' (did you mean "
        "'partition'?)", id="fault-kind"),
    pytest.param(
        'clusters: [{name: "A\\n"}]\n',
        ": clusters[0].name must be a name of letters, digits, _ and -, got 'A\\n'",
        id="name-with-a-final-line-break"),
    pytest.param(
        'clusters: [{name: A, root_token: "ro ot"}]\n',
        ": clusters[0].root_token must be a token of printable ASCII characters without spaces, "
        "got 'ro ot'", id="root-token"),
    pytest.param(
        'clusters: [{name: A}, {name: B}]\n'
        'links: [{mode: dr, primary: A, secondary: B, secondary_id: "-b"}]\n',
        ": links[0].secondary_id must be an id of letters, digits, _, . and - (starting with a "
        "letter or digit), got '-b'", id="secondary-id"),
    pytest.param("clusters: []\n", ": clusters must be a list of at least one cluster, got []",
                 id="no-cluster"),
    pytest.param("- name: A\n", " must hold a mapping with a 'clusters' list, got [{'name': 'A'}]",
                 id="not-a-mapping"),
    pytest.param("clusters: [{name: A}]\nlag_seconds: -1\n",
                 ": lag_seconds must be a number of seconds from 0 to 60, got -1", id="lag"),
    pytest.param("", " is empty; a topology needs at least a 'clusters' list", id="empty"),
    pytest.param("clusters: [{name: A}]\nclusters: [{name: B}]\n",
                 ": the key 'clusters' appears twice in one mapping (line 2); give each key once",
                 id="duplicate-key"),
    pytest.param("clusters: [{name: A}\n",
                 " is not valid YAML at line 2, column 1: expected ',' or ']', but got "
                 "'<stream end>'", id="not-yaml"),
    pytest.param("clusters: [{name: A}]\x08\n",
                 " is not valid YAML: unacceptable character #x0008: special characters are not "
                 "allowed", id="control-character"),
]


@pytest.mark.parametrize(("bad", "sentence"), SCHEMA_REFUSALS)
def test_schema_and_yaml_refusals_name_the_key_and_the_value(
    tmp_path: Path, bad: str, sentence: str
) -> None:
    assert _refusal(tmp_path, bad) == sentence


def test_a_missing_file_and_an_unknown_name() -> None:
    with pytest.raises(TopologyError) as caught:
        load("no/such/set.yaml")
    assert str(caught.value) == (
        "topology file 'no/such/set.yaml' cannot be read: No such file or directory")
    with pytest.raises(TopologyError) as caught:
        load("dr-par")
    assert str(caught.value) == (
        "unknown topology 'dr-par' (did you mean 'dr-pair'?); give one of dr-pair, perf-pair, "
        "six-cluster or a YAML file")


def test_the_fault_kinds_and_modes_are_the_schemas() -> None:
    schema = spec.topology_file_schema()
    assert list(FAULT_KINDS) == list(get_args(FaultKind)) == (
        schema["$defs"]["fault"]["properties"]["kind"]["enum"])
    assert list(get_args(Mode)) == schema["$defs"]["mode"]["enum"]


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fault"), [
    ("partition@secondary", FaultDef("partition", "secondary")),
    ("stalled-stream@secondary:dr", FaultDef("stalled-stream", "secondary", "dr")),
    ("stopped-heartbeats@secondary", FaultDef("stopped-heartbeats", "secondary")),
    ("merkle-loop@secondary", FaultDef("merkle-loop", "secondary")),
    ("clock-skew@secondary:dr=-250", FaultDef("clock-skew", "secondary", "dr", "-250")),
    ("older-version@secondary=1.15.0", FaultDef("older-version", "secondary", None, "1.15.0")),
])
def test_fault_flags_that_parse(text: str, fault: FaultDef) -> None:
    assert parse_fault(text, load("dr-pair")) == fault
    assert fault_text(fault) == text


@pytest.mark.parametrize(("text", "sentence"), [
    ("partition", "--fault 'partition' is not KIND@CLUSTER[:MODE][=VALUE] (for example "
     "partition@secondary, clock-skew@C:performance=5000 or older-version@B=1.15.0)"),
    ("@C", "--fault '@C' is not KIND@CLUSTER[:MODE][=VALUE] (for example partition@secondary, "
     "clock-skew@C:performance=5000 or older-version@B=1.15.0)"),
    ("partiton@C", "--fault 'partiton@C' names the unknown fault kind 'partiton' (did you mean "
     "'partition'?); the kinds are partition, stalled-stream, merkle-loop, stopped-heartbeats, "
     "clock-skew, older-version"),
    ("partition@c", "--fault 'partition@c' names the cluster 'c', which the topology does not "
     "have (did you mean 'C'?); its clusters are A, B, C, D, E, F"),
    ("partition@A", "--fault 'partition@A' puts partition on 'A', which is the secondary of no "
     "link; a fault concerns a secondary"),
    ("partition@B:performance", "--fault 'partition@B:performance' asks for the performance "
     "link of 'B', which is a DR secondary only"),
    ("partition@C:perf", "--fault 'partition@C:perf': its MODE must be one of dr, performance, "
     "got 'perf' (did you mean 'performance'?)"),
    ("clock-skew@C", "--fault 'clock-skew@C' needs a value: a clock-skew fault is written "
     "clock-skew@CLUSTER[:MODE]=VALUE"),
    ("clock-skew@C=soon", "--fault 'clock-skew@C=soon': its VALUE must be a non-zero whole "
     "number of milliseconds such as 5000 or -5000, got 'soon'"),
    ("older-version@B=1.15", "--fault 'older-version@B=1.15': its VALUE must be a Vault version "
     "such as 1.15.0 or 1.17.3+ent, got '1.15'"),
    ("partition@C=3", "--fault 'partition@C=3': a partition fault takes no =VALUE; remove it"),
    ("partition@C\n", "--fault 'partition@C\\n': its CLUSTER must be a name of letters, "
     "digits, _ and -, got 'C\\n'"),
    ("clock-skew@C=5000\n", "--fault 'clock-skew@C=5000\\n': its VALUE must be a non-zero "
     "whole number of milliseconds such as 5000 or -5000, got '5000\\n'"),
])
def test_fault_flags_that_are_refused(text: str, sentence: str) -> None:
    with pytest.raises(TopologyError) as caught:
        parse_fault(text, load("six-cluster"))
    assert str(caught.value) == sentence


def test_with_faults_adds_after_the_files_and_refuses_a_repeat(tmp_path: Path) -> None:
    topology = load(_write(tmp_path, SIX + "faults: [{kind: partition, cluster: C}]\n"))
    extra = parse_fault("clock-skew@D=100", topology)
    assert with_faults(topology, [extra]).faults == (FaultDef("partition", "C"), extra)
    with pytest.raises(TopologyError) as caught:
        with_faults(topology, [FaultDef("partition", "C", "performance")])
    assert str(caught.value) == (
        "--fault 'partition@C:performance' repeats a fault the topology already has (partition "
        "on 'C'); give each fault once")


def test_with_faults_checks_each_fault() -> None:
    with pytest.raises(TopologyError, match="which is the secondary of no link"):
        with_faults(load("dr-pair"), [FaultDef("partition", "primary")])


# --- anything at all: a Topology or one sentence, never a traceback ----------------------------

KEYS = ["name", "lag_seconds", "clusters", "links", "faults", "port", "version", "root_token",
        "mode", "primary", "secondary", "secondary_id", "kind", "cluster", "value"]
SCALARS = (st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False)
           | st.sampled_from(["A", "B", "C", "dr", "performance", "partition", "clock-skew",
                              "older-version", "1.15.0", "5000", "root"])
           | st.text(max_size=8))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5),
    max_leaves=25,
)


def _one_printable_sentence(message: str) -> None:
    assert message and message.isprintable(), repr(message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_any_document_loads_or_is_one_sentence(tmp_path_factory: pytest.TempPathFactory,
                                               document: object) -> None:
    path = tmp_path_factory.mktemp("any") / "any.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        topology = load(str(path))
    except TopologyError as error:
        _one_printable_sentence(str(error))
    else:
        assign_ports(topology, 8300 if len(topology.clusters) < 100 else None)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_file_loads_or_is_one_sentence(tmp_path_factory: pytest.TempPathFactory,
                                                text: str) -> None:
    path = tmp_path_factory.mktemp("text") / "any.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load(str(path))
    except TopologyError as error:
        _one_printable_sentence(str(error))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30) | st.builds(
    "{}@{}{}{}".format,
    st.sampled_from([*FAULT_KINDS, "x"]), st.sampled_from(["A", "B", "C", "E", "", "c"]),
    st.sampled_from(["", ":dr", ":performance", ":x", ":"]),
    st.sampled_from(["", "=5000", "=0", "=1.2.3", "=", "=-1"])))
def test_any_fault_flag_parses_or_is_one_sentence(text: str) -> None:
    try:
        fault = parse_fault(text, SIX_CLUSTER)
    except TopologyError as error:
        _one_printable_sentence(str(error))
    else:
        assert fault_text(fault) == text


SIX_CLUSTER = load("six-cluster")
