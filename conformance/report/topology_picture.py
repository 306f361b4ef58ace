"""The replication set as a picture for the HTML report: an inline SVG (no script, nothing
fetched) with the clusters as boxes and the links as lines, and each link's timeline in a
table under it.

Layout is deterministic, a tree drawn left to right: a cluster that is nobody's secondary
starts a row in the first column, its secondaries follow in the next column (the first on its
row, the others on rows below), and so on; clusters are taken in the view's order. Boxes sit
on a grid, so no two overlap; a link to a secondary below its primary's row leaves the primary
to the right and turns down a riser of its own, so no two links share a stroke. DR links are
dashed, performance links solid; green healthy, red failing, grey not judged; each failing
link (line and label) leads to the first finding of that link in the findings section.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from html import escape

from replcheck.conformance.engine.topology_view import ClusterView, LinkView, TopologyView
from replcheck.conformance.report.topology_lines import clock, collapsed, link_verdict
from replcheck.conformance.transport.exchange import visible

BOX_W, BOX_H = 210, 66
COL_GAP, ROW_GAP, MARGIN = 170, 26, 14
#: Where a link to a secondary below its primary's row turns down (each its own riser).
BEND, BEND_STEP = 14, 12
#: Room above the first row for a link back along a row (and its label).
BACK_ROOM = 40
LEGEND_H = 34
#: The stroke of a link by health, and of its label.
COLOURS = {"healthy": "#17692a", "failing": "#b3261e", "unjudged": "#8a8a8a"}
#: DR links dashed, performance links solid.
DASH = {"dr": "8 5", "performance": ""}
_MODE_SHORT = {"dr": "DR", "performance": "perf"}
#: Characters a box's width holds: in its lines of 12 px, and in its name (bold, 14 px).
_TEXT_CHARS, _NAME_CHARS = 30, 22

STYLE = """
#topology{margin-bottom:1.2em}
#topology svg{max-width:100%;height:auto;display:block;margin:.4em 0}
#topology .box{fill:#fff;stroke:#555;stroke-width:1.2}
#topology .box.unread{fill:#fde4e4;stroke:#b3261e;stroke-dasharray:4 3}
#topology .box.unpaired{fill:#fff4d6;stroke:#8a4b00;stroke-dasharray:4 3}
#topology text{font:12px system-ui,sans-serif;fill:#222}
#topology text.name{font-weight:600;font-size:14px}
#topology text.sub{fill:#555}
#topology text.link-label{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:4px}
#topology table.timelines td{font-size:.9em}
#topology table.timelines td:first-child{min-width:14em;overflow-wrap:anywhere}
#topology .healthy{color:#17692a}#topology .unjudged{color:#666}
"""


def link_anchor(index: int, label: str) -> str:
    """The id a link's first finding carries (``link-0-dr-A-B``): the index keeps two labels
    that differ only in punctuation apart."""
    return f"link-{index}-" + re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")


def _short(text: str, limit: int = _TEXT_CHARS) -> str:
    """Cut to what a box's width holds (the whole text is in the box's tooltip)."""
    text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout(view: TopologyView) -> dict[str, tuple[int, int]]:
    """Each cluster's (column, row) on the grid (see the module's docstring)."""
    names = [cluster.name for cluster in view.clusters]
    for link in view.links:  # a link may name a cluster the view has no read of
        for name in (link.primary, link.secondary):
            if name not in names:
                names.append(name)
    parent: dict[str, str] = {}
    for link in view.links:
        if link.secondary != link.primary:
            parent.setdefault(link.secondary, link.primary)
    children: dict[str, list[str]] = {}
    for name in names:
        if name in parent and name not in children.setdefault(parent[name], []):
            children[parent[name]].append(name)
    placed: dict[str, tuple[int, int]] = {}

    def place(name: str, column: int, row: int) -> int:
        placed[name] = (column, row)
        below = row
        for child in children.get(name, []):
            if child not in placed:
                below = place(child, column + 1, below)
        return max(below, row + 1)

    row = 0
    for name in [n for n in names if n not in parent] + names:  # roots, then any circle
        if name not in placed:
            row = place(name, 0, row)
    return placed


def _box(cluster: ClusterView, x: int, y: int, linked: bool) -> str:
    """A cluster's box: name, roles, version (or why it was not read); a cluster that was
    read, has a role, and is on no link (an orphan, a demoted primary) is drawn unpaired."""
    roles = [
        f"{_MODE_SHORT.get(mode, mode)} {role}"
        for mode, role in sorted(cluster.roles.items())
        if role != "disabled"
    ]
    second = " · ".join(roles) if roles else ("replication disabled" if cluster.roles else "")
    third = f"not read: {cluster.error}" if cluster.error else (
        f"version {cluster.version}" if cluster.version else "version unknown"
    )
    unread = " unread" if cluster.error else ""
    if not cluster.error and roles and not linked:
        unread = " unpaired"
        third += " · unpaired"
    name = _short(cluster.name, _NAME_CHARS)
    title = " | ".join(p for p in (cluster.name, cluster.url or "", second, third) if p)
    return (
        f"<g class='cluster' data-cluster='{escape(cluster.name)}'>"
        f"<title>{escape(visible(title))}</title>"
        f"<rect class='box{unread}' x='{x}' y='{y}' width='{BOX_W}' height='{BOX_H}' rx='6'/>"
        f"<text class='name' x='{x + 10}' y='{y + 20}'>{escape(name)}</text>"
        + "".join(
            f"<text class='sub' x='{x + 10}' y='{y + down}'>{escape(_short(line))}</text>"
            for line, down in ((second, 38), (third, 55))
            if line
        )
        + "</g>"
    )


Point = tuple[float, float]


def _label_segment(route: list[Point]) -> tuple[Point, Point]:
    """Where a link's label goes: over the last segment that is not upright (the one entering
    the secondary, or the run over the boxes of a link back)."""
    segments = list(itertools.pairwise(route))
    across = [(a, b) for a, b in segments if a[0] != b[0]]
    return (across or segments)[-1]


def _link(link: LinkView, route: list[Point], href: str | None, parallel: int = 0) -> str:
    """One link: its route as a polyline ending in an arrow at the secondary, and a label
    over its last segment (the one entering the secondary)."""
    colour = COLOURS[link.health]
    dash = f" stroke-dasharray='{DASH[link.mode]}'" if DASH.get(link.mode) else ""
    (x1, y1), (x2, y2) = _label_segment(route)
    # over its line; a second link between the same clusters has its label under it
    above = -7 if parallel == 0 else 15
    words = "FAILED" if link.health == "failing" else (link.state or "not read")
    text = f"{_MODE_SHORT.get(link.mode, link.mode)} · {words}"
    points = " ".join(f"{x:g},{y:g}" for x, y in route)
    drawn = (
        f"<polyline points='{points}' fill='none' stroke='{colour}' "
        f"stroke-width='3'{dash} marker-end='url(#arrow-{link.health})'/>"
        f"<text class='link-label' x='{(x1 + x2) / 2:g}' y='{(y1 + y2) / 2 + above:g}' "
        f"text-anchor='middle' fill='{colour}'>{escape(visible(text))}</text>"
    )
    if href is not None:
        drawn = f"<a href='#{escape(href)}'>{drawn}</a>"
    return (
        f"<g class='link' data-link='{escape(link.label)}' data-health='{link.health}' "
        f"data-mode='{escape(link.mode)}'><title>{escape(visible(link.label))}: "
        f"{escape(link_verdict(link))}</title>{drawn}</g>"
    )


def _legend(y: int) -> str:
    items = []
    x = MARGIN
    for mode, words in (("performance", "performance"), ("dr", "DR")):
        dash = f" stroke-dasharray='{DASH[mode]}'" if DASH[mode] else ""
        items.append(
            f"<line x1='{x}' y1='{y}' x2='{x + 36}' y2='{y}' stroke='#444' stroke-width='3'"
            f"{dash}/><text x='{x + 42}' y='{y + 4}'>{words}</text>"
        )
        x += 130
    for health, words in (("healthy", "healthy"), ("failing", "failing"),
                          ("unjudged", "not judged")):
        items.append(
            f"<rect x='{x}' y='{y - 6}' width='12' height='12' fill='{COLOURS[health]}'/>"
            f"<text x='{x + 18}' y='{y + 4}'>{words}</text>"
        )
        x += 100
    return f"<g class='legend'>{''.join(items)}</g>"


def _markers() -> str:
    return "<defs>" + "".join(
        f"<marker id='arrow-{health}' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
        f"markerHeight='7' orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' "
        f"fill='{colour}'/></marker>"
        for health, colour in COLOURS.items()
    ) + "</defs>"


def topology_svg(view: TopologyView, hrefs: Mapping[str, str]) -> str:
    """The picture; ``hrefs`` maps a link's label to the id its line leads to."""
    grid = layout(view)
    clusters = {cluster.name: cluster for cluster in view.clusters}
    columns = max((column for column, _ in grid.values()), default=0) + 1
    rows = max((row for _, row in grid.values()), default=0) + 1

    # A link back along a row (a circle in the set) runs over the boxes: room for it above.
    lift = BACK_ROOM if any(
        link.primary in grid and link.secondary in grid
        and grid[link.secondary][1] == grid[link.primary][1]
        and grid[link.secondary][0] <= grid[link.primary][0]
        for link in view.links
    ) else 0

    def corner(name: str) -> tuple[int, int]:
        column, row = grid[name]
        return MARGIN + column * (BOX_W + COL_GAP), lift + MARGIN + row * (BOX_H + ROW_GAP)

    pairs: dict[frozenset[str], int] = {}
    bends: dict[str, int] = {}
    lines = []
    for link in view.links:
        # Two links between the same clusters (DR and performance) side by side.
        pair = frozenset((link.primary, link.secondary))
        parallel = pairs.get(pair, 0)
        pairs[pair] = parallel + 1
        offset = 10 * parallel
        (px, py), (sx, sy) = corner(link.primary), corner(link.secondary)
        start = (px + BOX_W, py + BOX_H / 2 + offset)
        end = (sx, sy + BOX_H / 2 + offset)
        route: list[Point]
        if sx >= px + BOX_W and sy == py:  # the first secondary, on its primary's row
            route = [start, end]
        elif sx >= px + BOX_W:
            # the others: out of the primary, down a riser of their own, into the secondary
            bend = bends.get(link.primary, 0)
            bends[link.primary] = bend + 1
            riser = min(px + BOX_W + BEND + BEND_STEP * bend, px + BOX_W + COL_GAP // 2)
            # leaving below the middle, clear of the first secondary's straight line
            leave = min(start[1] + BEND_STEP * (bend + 1), py + BOX_H - 4)
            route = [(start[0], leave), (riser, leave), (riser, end[1]), end]
        elif sy == py:  # a link back along a row (a circle in the set): over the boxes
            top = py - BACK_ROOM // 2
            route = [(px + BOX_W / 2, py), (px + BOX_W / 2, top), (sx + BOX_W / 2, top),
                     (sx + BOX_W / 2, sy)]
        else:  # a link back to another row: from one box's bottom (or top) to the other's
            down = sy > py
            route = [
                (px + BOX_W / 2 + offset, py + BOX_H if down else py),
                (sx + BOX_W / 2 + offset, sy if down else sy + BOX_H),
            ]
        lines.append(_link(link, route, hrefs.get(link.label), parallel))
    linked = {name for link in view.links for name in (link.primary, link.secondary)}
    boxes = [
        _box(
            clusters.get(name) or ClusterView(name, None, {}, None, None),
            *corner(name),
            name in linked,
        )
        for name in grid
    ]
    width = max(2 * MARGIN + columns * BOX_W + (columns - 1) * COL_GAP, 600)
    height = lift + 2 * MARGIN + rows * BOX_H + (rows - 1) * ROW_GAP + LEGEND_H
    described = f"{len(grid)} clusters, {len(view.links)} links"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='topology' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='The replication set: {described}'>"
        + _markers() + "".join(boxes) + "".join(lines)
        + _legend(height - LEGEND_H // 2)
        + "</svg>"
    )


def _timeline_cell(link: LinkView) -> str:
    entries = [
        f"{clock(read_at)} {escape(visible(state or '-'))}/{escape(visible(connection or '-'))}"
        + (f" ({count} reads)" if count > 1 else "")
        for read_at, state, connection, count in collapsed(link.timeline)
    ]
    return " → ".join(entries) or "no read"


def topology_section(view: TopologyView, hrefs: Mapping[str, str]) -> str:
    """The picture, the unread and unpaired clusters, and the links' timelines."""
    rows = []
    for link in view.links:
        href = hrefs.get(link.label)
        name = escape(visible(link.label))
        if href is not None:
            name = f"<a href='#{escape(href)}'>{name}</a>"
        health = "failed" if link.health == "failing" else link.health
        rows.append(
            f"<tr data-link='{escape(link.label)}'><td><code>{name}</code></td>"
            f"<td class='{health}'>{escape(link_verdict(link))}</td>"
            f"<td>{_timeline_cell(link)}</td></tr>"
        )
    remarks = [
        f"<li>not read: <code>{escape(visible(c.name))}</code>: {escape(visible(c.error))}</li>"
        for c in view.clusters
        if c.error
    ] + [f"<li>unpaired: {escape(visible(sentence))}</li>" for sentence in view.unpaired]
    return (
        "<section id='topology'><h2>Topology</h2>"
        + topology_svg(view, hrefs)
        + (f"<ul class='unpaired'>{''.join(remarks)}</ul>" if remarks else "")
        + (
            "<table class='timelines'><tr><th>Link</th><th>Health</th>"
            "<th>Timeline (UTC; the secondary's state/connection at each read)</th></tr>"
            + "".join(rows) + "</table>"
            if rows
            else ""
        )
        + "</section>"
    )
