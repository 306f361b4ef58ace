"""One self-contained HTML file a person can open. No script, no external resource.

The first screen is the summary: the verdict, the counts, every requirement that failed or
errored named on one line (linked to its findings), and the requirement table (failed
requirements first), each requirement labelled as the terminal and the verdict label it
(``grouping.label``: a requirement that passed with a check not run for another reason than the
profile is ``partial``, which ``--strict`` counts as not fully run), with its full text
(backticks set as code) and why it was not fully judged. Below it the failures, grouped by
requirement and de-duplicated (one block per distinct finding, "on N requests" with the list
collapsed), each with its exchange: JSON bodies pretty-printed with the values a schema
violation is about marked. Last, the run's provenance and the requirements' sources. A
topology run's set is drawn under the counts, before the table (``topology_picture``); the
first finding of each link carries the anchor its line leads to.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape

from replcheck import spec
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import PARTIAL, Outcome, RequirementResult
from replcheck.conformance.report.grouping import (
    EDITION_SEE_VERDICT,
    FindingGroup,
    group_findings,
    label,
    shared_notes,
)
from replcheck.conformance.report.json_view import pretty_json_html
from replcheck.conformance.report.topology_picture import STYLE as TOPOLOGY_STYLE
from replcheck.conformance.report.topology_picture import link_anchor, topology_section
from replcheck.conformance.transport.exchange import Exchange, visible

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1em auto;max-width:80em;padding:0 1em;color:#222}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em}
h3{font-size:1.05em;margin:1.2em 0 .4em}h4{font-size:1em;margin:.2em 0}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e3e3;padding:.15em .45em;text-align:left;vertical-align:top}
.verdict{padding:.6em 1em;border-radius:4px;font-weight:600;margin:.4em 0}
.conformant{background:#e3f6e5}.not-conformant{background:#fde4e4}
.unsupported,.incomplete,.nothing-judged,.plan,.interrupted{background:#fff4d6}
.counts{margin:.3em 0}.counts span{display:inline-block;margin-right:1em}
.runline{color:#555;font-size:.9em;margin:.2em 0 .6em}
.attention{margin:.2em 0 .6em;line-height:1.6}
.passed{color:#17692a}.failed{color:#b3261e;font-weight:600}.error{color:#8a4b00;font-weight:600}
.not-run,.unsupported-o,.partial{color:#666}.partial{font-style:italic}
table.summary{table-layout:fixed}
table.summary td{overflow-wrap:anywhere}
table.summary td.why{font-size:.9em}
table.summary col.o{width:7.5em}table.summary col.i{width:17em}
table.summary col.l{width:5.5em}table.summary col.f{width:6em}
code{font-size:.95em;background:#f1f1f1;padding:0 .15em;border-radius:2px}
.finding{border-left:4px solid #b3261e;padding:.3em .8em;margin:.6em 0;background:#fcfcfc}
.times{font-weight:normal;color:#555;margin-left:.5em}
pre{background:#f4f4f4;padding:.5em;overflow-x:auto;white-space:pre-wrap;
word-break:break-all;margin:.2em 0;max-height:40em;overflow-y:auto}
mark{background:#ffd54a;outline:2px solid #b3261e}
.key{color:#0b4f8a}
details>summary{cursor:pointer;color:#0b4f8a}
.meta td{border:none;padding:.1em .5em}
.label{font-weight:600}
"""

#: The summary table's order: what needs a person's attention first.
_ORDER = [
    Outcome.FAILED.value, Outcome.ERROR.value, Outcome.NOT_RUN.value, PARTIAL,
    Outcome.UNSUPPORTED.value, Outcome.PASSED.value,
]


def _cls(shown: str) -> str:
    """The CSS class of an outcome as labelled (``grouping.label``)."""
    return {Outcome.UNSUPPORTED.value: "unsupported-o"}.get(shown, shown.replace(" ", "-"))


def _text(value: str) -> str:
    """Escaped for HTML, with characters a page would not show (NUL, ESC, U+FFFD) visible."""
    return escape(visible(value))


_BACKTICKED = re.compile(r"`([^`]+)`")


def _prose(value: str) -> str:
    """A requirement's text or a reason: escaped, with what is in backticks set as code."""
    return _BACKTICKED.sub(r"<code>\1</code>", _text(value))


def _pre(text: str, marked: tuple[str, ...] = ()) -> str:
    shown, _ = pretty_json_html(text, marked)
    return f"<pre>{shown}</pre>"


def _exchange(exchange: Exchange, marked: tuple[str, ...] = ()) -> str:
    request = exchange.request
    sent = [f"{request.method} {request.url}"]
    sent += [f"{name}: {value}" for name, value in request.headers]
    parts = [
        f"<p class='label'>Sent <small>({_text(exchange.purpose)})</small></p>",
        f"<pre>{escape(visible(chr(10).join(sent), lines=True))}</pre>",
    ]
    if request.body is not None:
        parts.append(_pre(request.body))
    if exchange.response is not None:
        response = exchange.response
        head = [str(response.status)] + [f"{n}: {v}" for n, v in response.headers]
        parts.append("<p class='label'>Came back</p>")
        parts.append(f"<pre>{escape(visible(chr(10).join(head), lines=True))}</pre>")
        if response.body:
            parts.append(_pre(response.body, marked))
    parts.append(f"<p class='label'>Reproduce</p><pre>{escape(exchange.curl())}</pre>")
    return "".join(parts)


def _group(number: int, group: FindingGroup, links: list[tuple[str, str | None]]) -> str:
    """One distinct finding; ``links`` are the labels of the topology links it was found on,
    each with the anchor it carries when it is that link's first finding."""
    finding = group.first
    times = "" if group.count == 1 else f"<span class='times'>on {group.count} requests</span>"
    tags = "".join(
        f" <span class='on-link'{f' id={anchor!r}' if anchor else ''}>"
        f"on <code>{_text(label)}</code></span>"
        for label, anchor in links
    )
    body = [
        f"<article class='finding' id='f{number}'>",
        f"<h4>{number}. {_text(group.headline)}{times}{tags}</h4>",
        f"<p><span class='label'>Expected</span>: {_text(group.expected)}",
        f" <small>(found by {_text(group.source)})</small></p>" if group.source else "</p>",
    ]
    if group.json_paths:
        paths = ", ".join(f"<code>{_text(p)}</code>" for p in group.json_paths)
        body.append(f"<p><span class='label'>At</span>: {paths} (marked in the body)</p>")
    if finding.earlier is not None or finding.exchange is not None:
        body.append("<details open><summary>Exchange</summary>")
        if finding.earlier is not None:
            body.append("<p class='label'>Earlier exchange</p>" + _exchange(finding.earlier))
            if finding.exchange is not None:
                body.append("<p class='label'>Later exchange</p>")
        if finding.exchange is not None:
            body.append(_exchange(finding.exchange, group.json_paths))
        body.append("</details>")
    if group.count > 1:
        items = "".join(f"<li>{_text(line)}</li>" for line in group.requests())
        body.append(
            f"<details><summary>on {group.count} requests</summary><ol>{items}</ol></details>"
        )
    body.append("</article>")
    return "".join(body)


def _failures(result: RunResult) -> tuple[str, dict[str, int], dict[str, str]]:
    """The failures section, the number of distinct findings per requirement, and the anchor
    of each topology link's first finding (by the link's label)."""
    sections: list[str] = []
    distinct: dict[str, int] = {}
    anchors: dict[str, str] = {}
    labels = (
        {link.label: i for i, link in enumerate(result.topology.links)} if result.topology else {}
    )
    number = 0
    for requirement_id, outcome in result.results.items():
        groups = group_findings(outcome.findings)
        if not groups:
            continue
        distinct[requirement_id] = len(groups)
        statement = spec.requirement(requirement_id).statement
        # A per-link result is named by the link's label: its findings are that link's.
        on_link = {
            id(finding): check.name
            for check in outcome.checks
            if check.name in labels
            for finding in check.findings
        }
        blocks = []
        for group in groups:
            number += 1
            links: list[tuple[str, str | None]] = []
            for name in dict.fromkeys(on_link[id(f)] for f in group.findings if id(f) in on_link):
                anchor = None
                if name not in anchors:
                    anchor = anchors[name] = link_anchor(labels[name], name)
                links.append((name, anchor))
            blocks.append(_group(number, group, links))
        sections.append(
            f"<section class='requirement' id='req-{escape(requirement_id)}'>"
            f"<h3><code>{escape(requirement_id)}</code>: {_prose(statement)}</h3>"
            + "".join(blocks)
            + "</section>"
        )
    return "".join(sections), distinct, anchors


def _summary_rows(result: RunResult, distinct: dict[str, int]) -> str:
    def rank(item: tuple[str, RequirementResult]) -> int:
        return _ORDER.index(label(item[1]))

    rows = []
    for requirement_id, outcome in sorted(result.results.items(), key=rank):
        requirement = spec.requirement(requirement_id)
        ident = escape(requirement_id)
        if requirement_id in distinct:
            ident = f"<a href='#req-{ident}'>{ident}</a>"
        findings = ""
        if outcome.findings:
            total = len(outcome.findings)
            counted = distinct.get(requirement_id, total)
            findings = f"{counted}" + (f" <small>({total})</small>" if total != counted else "")
        # What is required, and why it was not fully judged when it was not (a failure's
        # findings column already counts it; a plain pass has no reason).
        shown = label(outcome)
        why = _prose(requirement.statement)
        if outcome.reason and outcome.outcome is not Outcome.FAILED:
            reason = outcome.reason
            if reason == result.edition_observed:
                reason = EDITION_SEE_VERDICT
            why += f"<br><span class='{_cls(shown)}'>{_prose(reason)}</span>"
        rows.append(
            f"<tr class='row-{_cls(shown)}'>"
            f"<td class='{_cls(shown)}'>{escape(shown)}</td>"
            f"<td><code>{ident}</code></td><td>{escape(requirement.level)}</td>"
            f"<td>{findings}</td><td class='why'>{why}</td></tr>"
        )
    return "".join(rows)


def _attention(result: RunResult, distinct: dict[str, int]) -> str:
    """Every requirement that failed or errored, by id on one line: the table below gives each
    its full text, which takes more than a screen when many fail."""
    named = [
        f"<a href='#req-{escape(rid)}'>{escape(rid)}</a>" if rid in distinct else escape(rid)
        for rid, outcome in result.results.items()
        if outcome.outcome in (Outcome.FAILED, Outcome.ERROR)
    ]
    if not named:
        return ""
    codes = ", ".join(f"<code>{name}</code>" for name in named)
    return f"<p class='attention'>Failed or errored: {codes}</p>"


def _counts(result: RunResult, groups: int, findings: int) -> str:
    tally = Counter(label(r) for r in result.results.values())
    spans = [
        f"<span class='{_cls(o)}' data-outcome='{escape(o)}'>{tally[o]} {escape(o)}"
        "</span>"
        for o in _ORDER
        if tally[o]
    ]
    if findings:
        spans.append(
            f"<span class='findings'>{groups} distinct finding(s)"
            + (f" on {findings} requests" if findings != groups else "")
            + "</span>"
        )
    return f"<p class='counts'>{len(result.results)} requirements: " + "".join(spans) + "</p>"


def render_html(result: RunResult) -> str:
    findings = [f for r in result.results.values() for f in r.findings]
    failures, distinct, anchors = _failures(result)
    requests = result.requests_sent
    runline = (
        f"{_text(result.target_url)} · profile {escape(result.profile)} · seed {result.seed} · "
        f"{requests} requests · {result.duration_s:.1f} s · {escape(result.started_at)}"
    )
    meta = [
        ("Target", result.target_kind or result.target_url),
        ("Profile", result.profile),
        ("Strict", "on" if result.strict else "off"),
        ("Seed", str(result.seed)),
        ("Edition", result.edition.value),
        ("Started", result.started_at),
        ("Duration", f"{result.duration_s:.1f} s"),
        ("Requests", str(requests)),
        ("Suite version", result.suite_version),
        ("Spec hash", result.spec_hash),
    ]
    meta += [
        (f"Cluster {name}", f"{v.get('mode')} {v.get('cluster_id') or ''}")
        for name, v in result.cluster_ids.items()
    ]
    sources = "".join(
        f"<tr><td><code>{escape(rid)}</code></td><td>{_prose(r.statement)}"
        f"<br><small>{_text(r.source)}</small></td></tr>"
        for rid in result.results
        for r in [spec.requirement(rid)]
    )
    notes = [
        f"<li>{', '.join(f'<code>{escape(rid)}</code>' for rid in ids)}: {_prose(note)}</li>"
        for note, ids in shared_notes(result.results)
    ]
    verdict_class = result.verdict.value.replace(" ", "-")
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width'>",
            f"<title>replcheck: {escape(result.verdict.value)}</title>",
            f"<style>{_STYLE}{TOPOLOGY_STYLE if result.topology else ''}</style></head><body>",
            "<header id='summary'>",
            "<h1>replcheck conformance report</h1>",
            f"<p class='verdict {verdict_class}'>{_text(result.verdict_sentence)}</p>",
            f"<p class='scope'>{_text(result.scope_sentence)}</p>",
            _counts(result, sum(distinct.values()), len(findings)),
            f"<p class='runline'>{runline}</p>",
            _attention(result, distinct),
            "".join(
                f"<p>Note: {_prose(note)}</p>"
                for note in result.notes
                if note != result.edition_observed  # the verdict says it
            ),
            topology_section(result.topology, anchors) if result.topology else "",
            "<table class='summary'><colgroup><col class='o'><col class='i'><col class='l'>"
            "<col class='f'><col></colgroup>",
            "<tr><th>Outcome</th><th>Requirement</th><th>Level</th><th>Findings</th>"
            "<th>What is required (and why it was not fully judged)</th></tr>",
            _summary_rows(result, distinct),
            "</table></header>",
            (
                f"<section id='failures'><h2>Failures: {sum(distinct.values())} distinct "
                f"finding(s), {len(findings)} in all</h2>{failures}</section>"
                if findings
                else ""
            ),
            (
                "<section id='notes'><h2>Notes</h2><ul>" + "".join(notes) + "</ul></section>"
                if notes
                else ""
            ),
            "<section id='run'><h2>Run</h2><table class='meta'>",
            "".join(
                f"<tr><td>{escape(k)}</td><td><code>{_text(v)}</code></td></tr>" for k, v in meta
            ),
            "</table></section>",
            "<section id='requirements'><details><summary>Requirements and their sources"
            f"</summary><table>{sources}</table></details></section>",
            "</body></html>\n",
        ]
    )
