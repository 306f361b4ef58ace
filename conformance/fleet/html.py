"""The fleet's HTML report: one self-contained file, no script, no external resource.

The matrix comes first: targets as rows, requirements as columns (the requirements some target
did not pass first, then those passed everywhere), each cell coloured by its label and linking
to that requirement in that target's section below. Each target's section gives its verdict
sentence, its counts, and every requirement it did not pass with the reason and the findings
(message, expectation, the exchange and its curl line) from its own JSON report, which is
masked. Reads a ``FleetResult`` alone, so a merged fleet renders the same. The single-run
report's style and text helpers are reused.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome
from replcheck.conformance.report.html import _STYLE, _prose, _text
from replcheck.conformance.report.json_view import pretty_json_html

_FLEET_STYLE = """
table.matrix{width:auto;border-collapse:collapse;margin:.6em 0}
table.matrix td,table.matrix th{border:1px solid #fff;padding:0;text-align:center}
table.matrix th.rid{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;
font-size:.75em;padding:.3em .1em;white-space:nowrap}
table.matrix th.t{text-align:left;padding:0 .5em;white-space:nowrap}
table.matrix td a{display:block;width:1.1em;height:1.3em;text-decoration:none;color:#222;
font-size:.75em;line-height:1.3em}
td.c-passed{background:#bfe6c5}td.c-failed{background:#e57373}td.c-error{background:#ffb74d}
td.c-partial{background:#e0eec0}td.c-not-run{background:#e8e8e8}td.c-unsupported{background:#d7d7f0}
td.c-none{background:#fafafa}
td.v{text-align:left;padding:0 .5em;white-space:nowrap;font-size:.85em}
.legend span{display:inline-block;padding:0 .5em;margin-right:.4em}
section.target{border-top:2px solid #ccc;margin-top:1.4em}
"""

_MARK = {"passed": "", "failed": "F", "partial": "p", "not run": "-", "unsupported": "u",
         "error": "E"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _anchor(*parts: str) -> str:
    return "-".join(_UNSAFE.sub("_", part) for part in ("t", *parts))


def _cls(label: str) -> str:
    return "c-" + label.replace(" ", "-")


def _verdict_cls(target: TargetOutcome) -> str:
    return "conformant" if target.conformant else (
        "not-conformant" if target.exit_code == 1 else "incomplete")


def _matrix(result: FleetResult) -> str:
    attention = result.not_passed_everywhere()
    columns = attention + [rid for rid in result.requirement_ids if rid not in attention]
    head = "".join(f'<th class="rid" title="{escape(rid)}">{escape(rid)}</th>' for rid in columns)
    rows = []
    for target in result.targets:
        cells = []
        for rid in columns:
            label = target.outcomes.get(rid)
            if label is None:
                cells.append('<td class="c-none"></td>')
                continue
            link = _anchor(target.name, rid) if label != "passed" else _anchor(target.name)
            cells.append(
                f'<td class="{_cls(label)}" title="{escape(target.name)}: {escape(rid)}: '
                f'{escape(label)}"><a href="#{link}">{_MARK.get(label, "?")}</a></td>')
        rows.append(
            f'<tr><th class="t"><a href="#{_anchor(target.name)}">{escape(target.name)}</a></th>'
            f'<td class="v {_verdict_cls(target)}">{escape(target.verdict)}</td>'
            + "".join(cells) + "</tr>")
    legend = "".join(
        f'<span style="background:{color}">{escape(label)}</span>' for label, color in (
            ("passed", "#bfe6c5"), ("failed", "#e57373"), ("error", "#ffb74d"),
            ("partial", "#e0eec0"), ("not run", "#e8e8e8"), ("unsupported", "#d7d7f0")))
    return (f'<p class="legend">{legend}</p><table class="matrix"><tr><th></th><th></th>{head}'
            f'</tr>{"".join(rows)}</table>')


def _exchange(exchange: dict[str, Any]) -> str:
    request = exchange.get("request") or {}
    parts = [f"<h4>{_text(str(request.get('method', '')))} {_text(str(request.get('url', '')))}"
             "</h4>"]
    response = exchange.get("response")
    if isinstance(response, dict):
        body, _ = pretty_json_html(str(response.get("body", ""))[:20000], ())
        parts.append(f"<p>came back {escape(str(response.get('status')))}</p><pre>{body}</pre>")
    if exchange.get("curl"):
        parts.append(f"<details><summary>reproduce</summary><pre>{_text(exchange['curl'])}"
                     "</pre></details>")
    return "".join(parts)


def _requirement(target: TargetOutcome, rid: str, label: str, entry: dict[str, Any]) -> str:
    parts = [f'<div class="finding" id="{_anchor(target.name, rid)}">'
             f'<h3><span class="{label.replace(" ", "-")}">{escape(label)}</span> '
             f"{escape(rid)}</h3>"]
    if entry.get("statement"):
        parts.append(f"<p>{_prose(str(entry['statement']))}</p>")
    if entry.get("reason"):
        parts.append(f"<p><i>{_prose(str(entry['reason']))}</i></p>")
    findings = entry.get("findings") or []
    for finding in findings[:10]:
        parts.append(f"<p><b>{_prose(str(finding.get('message', '')))}</b><br>expected: "
                     f"{_prose(str(finding.get('expected', '')))}</p>")
        if isinstance(finding.get("exchange"), dict):
            parts.append(_exchange(finding["exchange"]))
    if len(findings) > 10:
        parts.append(f"<p>… and {len(findings) - 10} more finding(s) in the JSON report.</p>")
    parts.append("</div>")
    return "".join(parts)


def _section(target: TargetOutcome) -> str:
    entries = {str(e.get("id")): e for e in (target.report or {}).get("requirements", [])
               if isinstance(e, dict)}
    parts = [f'<section class="target" id="{_anchor(target.name)}">'
             f"<h2>{escape(target.name)} <small>({escape(target.kind)}"
             f"{', tags: ' + escape(', '.join(target.tags)) if target.tags else ''})</small></h2>"
             f'<div class="verdict {_verdict_cls(target)}">{_text(target.sentence)}</div>'
             f'<p class="runline">{escape(target.tally())}; {target.requests} requests; '
             f"{target.duration_s:.1f} s; exit {target.exit_code}</p>"]
    for rid, label in target.outcomes.items():
        if label != "passed":
            parts.append(_requirement(target, rid, label, entries.get(rid, {})))
    parts.append("</section>")
    return "".join(parts)


def render_fleet_html(result: FleetResult) -> str:
    verdict = ("conformant" if result.exit_code == 0 else
               "not-conformant" if result.exit_code == 1 else "incomplete")
    shard = f", shard {result.shard[0]}/{result.shard[1]}" if result.shard else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>replcheck fleet report</title>"
        f"<style>{_STYLE}{_FLEET_STYLE}</style></head><body>"
        f"<h1>replcheck fleet: {len(result.targets)} target(s)</h1>"
        f'<div class="verdict {verdict}">{_text(result.sentence)}</div>'
        f'<p class="runline">started {escape(result.started_at)}{escape(shard)}; '
        f"{result.duration_s:.1f} s; replcheck {escape(result.suite_version)}, contract "
        f"{escape(result.spec_version)}</p>"
        f"{_matrix(result)}"
        + "".join(_section(target) for target in result.targets)
        + "</body></html>\n"
    )
