"""A topology run in every report: the terminal's lines per link, the JSON report's
``topology`` member against its schema, JUnit test cases per requirement per link, and the
HTML report's picture (an inline SVG: one box per cluster, one line per link coloured by its
health, each failing link leading to its first finding), looked at in a real browser."""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from headless_chromium import CHROMIUM, SKIP_REASON, chromium
from headless_chromium import probe as probe_page
from jsonschema import Draft202012Validator
from report_fixtures import broken_run
from test_html_report import _pixels
from topology_fixtures import (
    FAILED_ID,
    LINK_IDS,
    ORPHAN,
    ORPHAN_SENTENCE,
    SET_ID,
    SETS,
    T0,
    UNREAD,
    label,
    topology_run,
)

from replcheck import spec
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.topology_view import (
    ClusterView,
    Health,
    LinkView,
    TopologyView,
)
from replcheck.conformance.report import TerminalReporter, render_html, render_json, render_junit
from replcheck.conformance.report.topology_lines import fold_notes
from replcheck.conformance.report.topology_picture import (
    BOX_H,
    BOX_W,
    COLOURS,
    layout,
)

SIX_FAILING = ("performance", "A", "C")


def _scenarios() -> dict[str, RunResult]:
    return {
        "dr-pair": topology_run("dr-pair"),
        "perf-pair": topology_run("perf-pair"),
        "six-cluster": topology_run("six-cluster"),
        "six-failing": topology_run("six-cluster", failing=SIX_FAILING),
        "six-unread": topology_run("six-cluster", unread="D"),
        "six-orphan": topology_run("six-cluster", orphan=True),
    }


SCENARIOS = list(_scenarios())


def _terminal(result: RunResult, verbose: bool = False) -> str:
    out = io.StringIO()
    TerminalReporter(out, progress=False, verbose=verbose).summary(result)
    return out.getvalue()


def _topology_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Topology: "))
    end = lines.index("", start)
    return lines[start:end]


# --- terminal ----------------------------------------------------------------------------------


def test_the_pairs_are_one_line_each() -> None:
    assert _topology_lines(_terminal(topology_run("dr-pair"))) == [
        "Topology: 2 clusters, 1 link (1 ok)",
        "  dr  primary -> secondary  stream-wals  connected  ok",
    ]
    assert _topology_lines(_terminal(topology_run("perf-pair")))[1] == (
        "  performance  primary -> secondary  stream-wals  connected  ok"
    )


def test_a_passing_six_cluster_run_fits_in_a_screen() -> None:
    text = _terminal(topology_run("six-cluster"))
    assert _topology_lines(text) == [
        "Topology: 6 clusters, 5 links (5 ok)",
        "  dr           A -> B  stream-wals  connected  ok",
        "  performance  A -> C  stream-wals  connected  ok",
        "  performance  A -> E  stream-wals  connected  ok",
        "  dr           C -> D  stream-wals  connected  ok",
        "  dr           E -> F  stream-wals  connected  ok",
    ]
    assert "CONFORMANT" in text and len(text.splitlines()) <= 24


def test_a_failing_link_names_the_ids_it_failed() -> None:
    lines = _topology_lines(_terminal(topology_run("six-cluster", failing=SIX_FAILING)))
    assert lines[0] == "Topology: 6 clusters, 5 links (4 ok, 1 failing)"
    assert lines[2] == (
        "  performance  A -> C  idle         transient_failure  "
        f"FAILED: {FAILED_ID}, TOPOLOGY-HEALTHY-STATES"
    )
    assert [line.endswith("  ok") for line in lines[1:]] == [True, False, True, True, True]


def test_an_unread_cluster_and_an_orphan_are_one_line_each() -> None:
    lines = _topology_lines(_terminal(topology_run("six-cluster", unread="D")))
    assert lines[0] == "Topology: 6 clusters, 5 links (4 ok, 1 not judged), 1 not read"
    assert lines[4] == "  dr           C -> D  -            -          not judged"
    assert lines[-1] == f"  not read: D: {UNREAD}"
    lines = _topology_lines(_terminal(topology_run("six-cluster", orphan=True)))
    assert lines[0] == "Topology: 7 clusters, 5 links (5 ok), 1 unpaired"
    assert lines[-1] == f"  unpaired: {ORPHAN_SENTENCE}"


def test_verbose_shows_each_links_timeline_with_repeated_reads_collapsed() -> None:
    lines = _topology_lines(_terminal(topology_run("dr-pair"), verbose=True))
    assert lines[1:] == [
        "  dr  primary -> secondary  stream-wals  connected  ok",
        "      19:00:00.0  merkle-sync  connected",
        "      19:00:02.0  stream-wals  connected  (2 reads)",
    ]
    short = _topology_lines(_terminal(topology_run("dr-pair")))
    assert not any("19:00" in line for line in short)


def test_a_single_cluster_run_draws_no_set() -> None:
    assert "Topology:" not in _terminal(broken_run())


# --- JSON --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = spec.report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_json_report_holds_the_set_and_keeps_its_schema(
    scenario: str, validator: Draft202012Validator
) -> None:
    result = _scenarios()[scenario]
    document = json.loads(render_json(result))
    assert document["format_version"] == "1.2"
    assert not [e.message for e in validator.iter_errors(document)]
    topology = document["topology"]
    assert result.topology is not None
    assert [c["name"] for c in topology["clusters"]] == [c.name for c in result.topology.clusters]
    assert [link["label"] for link in topology["links"]] == [
        link.label for link in result.topology.links
    ]


def test_the_json_topology_member_says_health_failed_ids_and_timeline(
    validator: Draft202012Validator,
) -> None:
    document = json.loads(render_json(topology_run("six-cluster", failing=SIX_FAILING)))
    links = {link["label"]: link for link in document["topology"]["links"]}
    failing = links[label(*SIX_FAILING)]
    assert failing["health"] == "failing"
    assert failing["failed"] == [FAILED_ID, "TOPOLOGY-HEALTHY-STATES"]
    assert failing["timeline"][0] == {
        "read_at": T0, "state": "merkle-sync", "connection": "connected"
    }
    assert {link["health"] for label_, link in links.items() if label_ != failing["label"]} == {
        "healthy"
    }
    a = document["topology"]["clusters"][0]
    assert a == {
        "name": "A", "url": "http://127.0.0.1:8200", "version": "1.17.3+ent", "error": None,
        "roles": {"dr": "primary", "performance": "primary"},
    }
    # the schema judges the member: a health it does not know, a link without its timeline
    failing["health"] = "poorly"
    del links[label("dr", "A", "B")]["timeline"]
    messages = [e.message for e in validator.iter_errors(document)]
    assert any("'poorly' is not one of" in m for m in messages)
    assert any("'timeline' is a required property" in m for m in messages)


def test_a_single_cluster_json_report_has_no_topology_member(
    validator: Draft202012Validator,
) -> None:
    document = json.loads(render_json(broken_run()))
    assert "topology" not in document and not list(validator.iter_errors(document))


# --- JUnit -------------------------------------------------------------------------------------


def test_junit_has_a_testcase_per_requirement_per_link() -> None:
    suite = ET.fromstring(render_junit(topology_run("six-cluster", failing=SIX_FAILING)))
    cases = suite.findall("testcase")
    _, links = SETS["six-cluster"]
    labels = [label(*link) for link in links]
    for rid in LINK_IDS:
        mine = [c for c in cases if c.get("classname", "").startswith(rid + " ")]
        assert [c.get("name") for c in mine] == labels
        assert [c.get("classname") for c in mine] == [f"{rid} [{tag}]" for tag in labels]
    failed = [(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None]
    assert failed == [
        (f"{rid} [{label(*SIX_FAILING)}]", label(*SIX_FAILING))
        for rid in (FAILED_ID, "TOPOLOGY-HEALTHY-STATES")
    ]
    # a result over the whole set is no link's: its class is the requirement alone
    assert [c.get("classname") for c in cases if c.get("name") == "set"] == [SET_ID]
    assert suite.get("tests") == str(len(LINK_IDS) * len(links) + 1)
    assert suite.get("failures") == "2"


def test_junit_of_a_single_cluster_run_keeps_the_requirement_as_classname() -> None:
    suite = ET.fromstring(render_junit(broken_run()))
    assert all(" [" not in (c.get("classname") or "") for c in suite.findall("testcase"))


# --- HTML --------------------------------------------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        for name in ("href", "src", "xlink:href"):
            if values.get(name) is not None:
                self.hrefs.append(values[name] or "")


def _svg(page: str) -> ET.Element:
    match = re.search(r"<svg .*?</svg>", page, re.S)
    assert match, "no svg in the page"
    return ET.fromstring(match.group())


def _boxes(svg: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for group in svg.iter(_SVG + "g"):
        if group.get("class") == "cluster":
            rect = group.find(_SVG + "rect")
            assert rect is not None
            x, y = float(rect.get("x", "0")), float(rect.get("y", "0"))
            found[group.get("data-cluster", "")] = (
                x, y, x + float(rect.get("width", "0")), y + float(rect.get("height", "0"))
            )
    return found


def _links(svg: ET.Element) -> dict[str, ET.Element]:
    return {
        group.get("data-link", ""): group
        for group in svg.iter(_SVG + "g")
        if group.get("class") == "link"
    }


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_picture_has_a_box_per_cluster_and_a_line_per_link(scenario: str) -> None:
    result = _scenarios()[scenario]
    assert result.topology is not None
    page = render_html(result)
    svg = _svg(page)
    boxes = _boxes(svg)
    assert list(boxes) == [c.name for c in result.topology.clusters]
    assert not any(
        _overlap(a, b) for i, a in enumerate(boxes.values()) for b in list(boxes.values())[i + 1 :]
    )
    links = _links(svg)
    assert list(links) == [link.label for link in result.topology.links]
    for view in result.topology.links:
        group = links[view.label]
        lines = list(group.iter(_SVG + "polyline"))
        assert len(lines) == 1
        assert lines[0].get("stroke") == COLOURS[view.health]
        assert group.get("data-health") == view.health
        # DR dashed, performance solid
        assert (lines[0].get("stroke-dasharray") is not None) is (view.mode == "dr")
    parsed = _Ids()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert all(href.startswith("#") for href in parsed.hrefs)  # nothing fetched


def test_each_failing_link_leads_to_its_first_finding() -> None:
    result = topology_run("six-cluster", failing=SIX_FAILING)
    page = render_html(result)
    links = _links(_svg(page))
    failing = links[label(*SIX_FAILING)]
    anchors = list(failing.iter(_SVG + "a"))
    assert len(anchors) == 1
    href = anchors[0].get("href", "")
    # the line and its label both lie inside the anchor
    assert anchors[0].find(_SVG + "polyline") is not None
    assert anchors[0].find(_SVG + "text") is not None
    for tag, group in links.items():
        if tag != label(*SIX_FAILING):
            assert list(group.iter(_SVG + "a")) == []
    parsed = _Ids()
    parsed.feed(page)
    assert href.startswith("#") and href[1:] in parsed.ids
    assert all(h[1:] in parsed.ids for h in parsed.hrefs)  # every in-page link resolves
    # the anchor stands in the first finding of that link, under the first failed requirement
    failures = page[page.index("<section id='failures'>") :]
    first = failures[: failures.index(f"id='{href[1:]}'")]
    assert first.rindex("<article class='finding' id='f1'>") >= 0
    assert first.rindex(f"id='req-{FAILED_ID}'") >= 0
    # the timeline table links the failing link the same way
    tag = re.escape(html.escape(label(*SIX_FAILING)))
    row = re.search(rf"<tr data-link='{tag}'>(.*?)</tr>", page)
    assert row and f"href='{href}'" in row.group(1)
    assert "19:00:00.0 merkle-sync/connected → 19:00:02.0 stream-wals/connected → " in row.group(1)


def test_a_healthy_set_has_no_link_to_any_finding() -> None:
    page = render_html(topology_run("six-cluster"))
    assert "<a href" not in page[page.index("<svg") : page.index("</svg>")]
    assert "<section id='failures'>" not in page


def test_the_layout_puts_primaries_left_and_their_secondaries_after() -> None:
    result = topology_run("six-cluster", orphan=True)
    assert result.topology is not None
    grid = layout(result.topology)
    assert grid == {
        "A": (0, 0), "B": (1, 0), "C": (1, 1), "D": (2, 1), "E": (1, 2), "F": (2, 2),
        ORPHAN: (0, 3),
    }
    assert render_html(result) == render_html(topology_run("six-cluster", orphan=True))


def test_unread_and_unpaired_clusters_are_said_under_the_picture() -> None:
    page = render_html(topology_run("six-cluster", unread="D", orphan=True))
    section = page[page.index("<section id='topology'>") :]
    section = section[: section.index("</section>")]
    assert f"<li>not read: <code>D</code>: {UNREAD}</li>" in section
    assert "<li>unpaired: G (dr, orphan-secondary): " in section
    svg = _svg(page)
    unread = [g for g in svg.iter(_SVG + "g") if g.get("data-cluster") == "D"]
    rect = unread[0].find(_SVG + "rect")
    assert rect is not None and "unread" in (rect.get("class") or "")
    classes = {
        g.get("data-cluster"): g.find(_SVG + "rect")
        for g in svg.iter(_SVG + "g")
        if g.get("class") == "cluster"
    }
    assert {
        name: rect.get("class") for name, rect in classes.items() if rect is not None
    } == {**{c: "box" for c in "ABCEF"}, "D": "box unread", ORPHAN: "box unpaired"}
    assert _links(svg)[label("dr", "C", "D")].get("data-health") == "unjudged"


def test_a_single_cluster_report_has_no_picture() -> None:
    page = render_html(broken_run())
    assert "<svg" not in page and "id='topology'" not in page


# --- in a real browser -------------------------------------------------------------------------

_PROBE = """<script>
const box = (el) => { const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
const result = {
  svg: box(document.querySelector('#topology svg')),
  clusters: [...document.querySelectorAll('#topology g.cluster')].map(
    (g) => ({name: g.dataset.cluster, box: box(g.querySelector('rect')),
             text: [...g.querySelectorAll('text')].map(box)})),
  links: [...document.querySelectorAll('#topology g.link')].map(
    (g) => ({label: g.dataset.link, box: box(g.querySelector('polyline')),
             text: box(g.querySelector('text.link-label'))})),
  summary: box(document.querySelector('table.summary')),
  viewport: window.innerHeight,
};
document.body.setAttribute('data-probe', JSON.stringify(result));
</script>"""
_SCREEN = (1280, 900)
_WINDOW = f"--window-size={_SCREEN[0]},{_SCREEN[1]}"


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"] - 0.5 and inner["right"] <= outer["right"] + 0.5
        and inner["top"] >= outer["top"] - 0.5 and inner["bottom"] <= outer["bottom"] + 0.5
    )


@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_the_six_cluster_picture_in_a_real_browser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = render_html(topology_run("six-cluster", failing=SIX_FAILING))
    probe, _ = probe_page(page, _PROBE, tmp_path, _WINDOW)
    clusters = probe["clusters"]
    assert [c["name"] for c in clusters] == list("ABCDEF")
    boxes = [c["box"] for c in clusters]
    for a in boxes:
        assert a["right"] - a["left"] >= BOX_W * 0.9 and a["bottom"] - a["top"] >= BOX_H * 0.9
    assert all(_inside(c["box"], probe["svg"]) for c in clusters)
    assert len(probe["links"]) == 5
    _readable(probe)
    # near the top: the whole picture on the first screen, before the requirement table
    assert probe["svg"]["bottom"] <= _SCREEN[1]
    assert probe["svg"]["bottom"] <= probe["summary"]["top"]

    report = tmp_path / "topology.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp_path / "topology.png"
    taken = chromium(tmp_path, "shot", _WINDOW, f"--screenshot={shot}", report.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == _SCREEN
    svg = probe["svg"]
    region = [
        rows[y][3 * int(svg["left"]) : 3 * int(svg["right"])]
        for y in range(int(svg["top"]), int(svg["bottom"]))
    ]
    colours = _colours(region)
    assert colours["dark"] > 500  # text and box borders: not blank
    assert colours["red"] > 50 and colours["green"] > 200  # one failing link, four healthy
    _keep(shot, capsys)


def _readable(probe: dict[str, Any]) -> None:
    """No two boxes overlap, every text lies in its box, no link's label covers another's or
    a box, and the whole picture is inside the svg."""
    boxes = [c["box"] for c in probe["clusters"]]
    labels = [link["text"] for link in probe["links"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(_edges(a), _edges(b)), (a, b)
    for cluster in probe["clusters"]:
        assert all(_inside(text, cluster["box"]) for text in cluster["text"]), cluster["name"]
    for i, a in enumerate(labels):
        assert _inside(a, probe["svg"])
        assert not any(_overlap(_edges(a), _edges(b)) for b in labels[i + 1 :]), a
        assert not any(_overlap(_edges(a), _edges(b)) for b in boxes), a


def _awkward() -> RunResult:
    """Long host names, a DR and a performance link between the same two clusters, a link
    back (two clusters each the other's secondary: a broken set) and an unread cluster."""
    result = topology_run("dr-pair")
    primary, secondary, far = (
        "vault-primary.eu-west-1.example.internal:8200",
        "vault-dr.eu-central-1.example.internal:8200",
        "vault-perf.us-east-2.example.internal:8200",
    )
    timeline = ((T0, "stream-wals", "connected"),)

    def link(mode: str, a: str, b: str, health: Health) -> LinkView:
        failed = (FAILED_ID,) if health == "failing" else ()
        return LinkView(label(mode, a, b), mode, a, b, health, failed, timeline)

    result.topology = TopologyView(
        (
            ClusterView(primary, None, {"dr": "primary", "performance": "primary"}, "1.17.3", None),
            ClusterView(secondary, None, {"dr": "secondary", "performance": "primary"}, "1.17.3",
                        None),
            ClusterView(far, None, {}, None, "GET https://vault-perf.us-east-2.example.internal"
                        ":8200/v1/sys/replication/status: connection timed out after 10 s"),
        ),
        (
            link("dr", primary, secondary, "healthy"),
            link("performance", primary, secondary, "failing"),
            link("performance", secondary, primary, "failing"),
            link("performance", primary, far, "unjudged"),
        ),
        (),
    )
    return result


@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_an_awkward_set_stays_readable_in_a_real_browser(tmp_path: Path) -> None:
    page = render_html(_awkward())
    probe, _ = probe_page(page, _PROBE, tmp_path, _WINDOW)
    assert len(probe["clusters"]) == 3 and len(probe["links"]) == 4
    _readable(probe)


def _edges(box: dict[str, float]) -> tuple[float, float, float, float]:
    return box["left"], box["top"], box["right"], box["bottom"]


def _colours(region: list[bytes]) -> dict[str, int]:
    """Pixels near the failing red, the healthy green, and dark (text, borders)."""
    counts = {"red": 0, "green": 0, "dark": 0}
    red, green = bytes.fromhex(COLOURS["failing"][1:]), bytes.fromhex(COLOURS["healthy"][1:])
    for row in region:
        for i in range(0, len(row), 3):
            pixel = row[i : i + 3]
            if all(abs(p - q) < 40 for p, q in zip(pixel, red, strict=True)):
                counts["red"] += 1
            elif all(abs(p - q) < 40 for p, q in zip(pixel, green, strict=True)):
                counts["green"] += 1
            elif max(pixel) < 0x70:
                counts["dark"] += 1
    return counts


def _keep(shot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With REPLCHECK_SCREENSHOT_DIR set, keep the screenshot there and say where."""
    folder = os.environ.get("REPLCHECK_SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    kept = Path(folder) / "topology-six-cluster.png"
    shutil.copyfile(shot, kept)
    with capsys.disabled():
        print(f"\nscreenshot of the six-cluster picture: {kept}")




def test_a_snapshot_without_a_read_time_is_shown_as_such(
    validator: Draft202012Validator,
) -> None:
    """An offline snapshot may not say when it was read (``nan``): no report breaks on it, the
    JSON says null (``NaN`` is no JSON), the terminal and the page "time unknown"."""
    result = topology_run("dr-pair")
    assert result.topology is not None
    link = result.topology.links[0]
    undated = replace(link, timeline=((float("nan"), "stream-wals", "ready"),))
    result.topology = replace(result.topology, links=(undated,))
    text = render_json(result)
    assert "NaN" not in text
    document = json.loads(text)
    assert document["topology"]["links"][0]["timeline"][0]["read_at"] is None
    assert not list(validator.iter_errors(document))
    assert "      time unknown  stream-wals  ready" in _terminal(result, verbose=True)
    assert "time unknown stream-wals/ready" in render_html(result)


def test_notes_that_differ_only_in_their_clusters_are_folded() -> None:
    result = topology_run("six-cluster")
    assert result.topology is not None
    notes = [(f"{n}'s last_remote_wal is 0: normal after the set-up", ["TOPOLOGY-WAL-BOUND"])
             for n in "BDF"]
    notes += [("A write is pending", ["TOPOLOGY-WAL-BOUND"]),
              ("B's last_remote_wal is 0: normal after the set-up", ["TOPOLOGY-MERKLE-CONVERGE"]),
              ("sys/leader of C was not read (asked of 127.0.0.1:8202)", [FAILED_ID])]
    assert fold_notes(notes, result.topology) == [
        ("B's last_remote_wal is 0: normal after the set-up (likewise D, F)",
         ["TOPOLOGY-WAL-BOUND"]),
        ("A write is pending", ["TOPOLOGY-WAL-BOUND"]),
        # another requirement's note stays apart
        ("B's last_remote_wal is 0: normal after the set-up", ["TOPOLOGY-MERKLE-CONVERGE"]),
        ("sys/leader of C was not read (asked of 127.0.0.1:8202)", [FAILED_ID]),
    ]
    # with no cluster to name, nothing is folded
    assert fold_notes(notes, TopologyView((), (), ())) == notes
