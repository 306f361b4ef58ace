"""``topology_view``: the reports' view of a judged set, from real reads of the reference
six-cluster topology (each cluster's status and ``sys/health`` over three rounds while its
links settle), and the health rule of a link both ways."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest
from jsonschema import Draft202012Validator

from replcheck import spec
from replcheck.conformance.judging.outcomes import CheckResult, Outcome, per_requirement
from replcheck.conformance.report import TerminalReporter, render_html, render_json
from replcheck.conformance.topology.judging import judge
from replcheck.conformance.topology.snapshot import ClusterRead, Round, from_document
from replcheck.conformance.topology.view import TopologyView, link_health, topology_view
from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.network import NetworkSettings
from replcheck.reference_server.topology.runtime import TopologyServer

#: Secondaries before their primaries, as a live round reads them.
READ_ORDER = ("B", "D", "F", "C", "E", "A")
SETTINGS = NetworkSettings(lag_seconds=0.2, merkle_diff_seconds=1.0, merkle_sync_seconds=1.0)
#: Seconds between the rounds: the links' merkle phases pass between the first and the last.
STEPS = (0.0, 1.2, 2.0)


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _read(running: TopologyServer, name: str, at: float) -> ClusterRead:
    url = running.url(name)
    status = httpx.get(f"{url}/v1/sys/replication/status", timeout=10).json()["data"]
    health = httpx.get(f"{url}/v1/sys/health", timeout=10).json()
    return from_document(name, {"status": status, "health": health, "read_at": at, "url": url})


@pytest.fixture(scope="module")
def rounds() -> Iterator[list[Round]]:
    clock = _Clock()
    with TopologyServer(load("six-cluster"), clock=clock, settings=SETTINGS) as running:
        taken: list[Round] = []
        for step in STEPS:
            clock.now += step
            taken.append(tuple(_read(running, name, clock.now) for name in READ_ORDER))
        yield taken


def test_the_view_of_the_six_cluster_set(rounds: list[Round]) -> None:
    judgement = judge(rounds)
    view = topology_view(judgement, rounds)
    assert [c.name for c in view.clusters] == list(READ_ORDER)
    clusters = {c.name: c for c in view.clusters}
    assert clusters["A"].roles == {"dr": "primary", "performance": "primary"}
    assert clusters["C"].roles == {"dr": "primary", "performance": "secondary"}
    assert clusters["D"].roles == {"dr": "secondary", "performance": "disabled"}
    versions = {c.version for c in view.clusters}
    assert len(versions) == 1 and None not in versions and "ent" in str(versions)
    assert all(c.error is None and c.url and c.url.startswith("http://127.0.0.1:")
               for c in view.clusters)
    assert sorted(link.label for link in view.links) == sorted([
        "dr: A -> B", "performance: A -> C", "performance: A -> E", "dr: C -> D", "dr: E -> F",
    ])
    for link in view.links:
        mine = [r for r in judgement.results if r.name == link.label]
        assert mine, link.label  # every link was judged by name
        assert (link.health, link.failed) == link_health(mine)
        assert [entry[0] for entry in link.timeline] == [r[0].read_at for r in rounds]
        assert link.timeline[-1][1:] == ("stream-wals", "connected"), link.timeline
    assert view.unpaired == ()


def test_an_unread_cluster_is_in_the_view_with_its_error(rounds: list[Round]) -> None:
    error = "GET http://127.0.0.1:9/v1/sys/replication/status: connection refused"
    last = tuple(
        ClusterRead("D", read.read_at, None, error=error, url=read.url) if read.cluster == "D"
        else read
        for read in rounds[-1]
    )
    view = topology_view(judge([last], history=False), [last])
    d = next(c for c in view.clusters if c.name == "D")
    assert (d.roles, d.version, d.error) == ({}, None, error)
    assert "dr: C -> D" not in [link.label for link in view.links]  # nothing to pair it by
    assert any(sentence.startswith("C (dr") for sentence in view.unpaired), view.unpaired
    _reports_take(view)


def _reports_take(view: TopologyView) -> None:
    """The reports render a real view: the JSON keeps its schema, the picture has every box."""
    from topology_fixtures import topology_run

    result = topology_run("six-cluster")
    result.topology = view
    document = json.loads(render_json(result))
    validator = Draft202012Validator(spec.report_schema())
    assert not [e.message for e in validator.iter_errors(document)]
    page = render_html(result)
    assert page.count("<g class='cluster'") == len(view.clusters)


@pytest.mark.parametrize(
    ("outcomes", "health", "failed"),
    [
        ([Outcome.PASSED, Outcome.PASSED], "healthy", ()),
        ([Outcome.PASSED, Outcome.NOT_RUN], "healthy", ()),
        ([Outcome.PASSED, Outcome.FAILED], "failing", ("R1",)),
        ([Outcome.FAILED, Outcome.FAILED], "failing", ("R0", "R1")),
        ([Outcome.NOT_RUN, Outcome.NOT_RUN], "unjudged", ()),
        ([Outcome.ERROR, Outcome.NOT_RUN], "unjudged", ()),
        ([], "unjudged", ()),
    ],
)
def test_a_links_health(outcomes: list[Outcome], health: str, failed: tuple[str, ...]) -> None:
    results = [CheckResult(f"R{n}", "dr: A -> B", o) for n, o in enumerate(outcomes)]
    assert link_health(results) == (health, failed)




def test_a_passing_six_cluster_run_of_real_reads_fits_in_a_screen(rounds: list[Round]) -> None:
    """The terminal of the reference set judged: the requirements, their notes (one per link
    or cluster, folded), the set's lines and the verdict within 24 lines."""
    from topology_fixtures import topology_run

    judgement = judge(rounds)
    result = topology_run("six-cluster")
    result.checks = judgement.results
    result.results = per_requirement(judgement.results)
    result.topology = topology_view(judgement, rounds)
    out = io.StringIO()
    TerminalReporter(out, progress=False).summary(result)
    text = out.getvalue()
    assert "CONFORMANT: every judged requirement passed" in text, text
    assert "Topology: 6 clusters, 5 links (5 ok)" in text
    assert len(text.splitlines()) <= 24, text
