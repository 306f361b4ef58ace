"""One self-contained HTML file a person can open: verdict, requirement table with the
catalogue's wording, and every failure with its exchange. No script, no external resource."""

from __future__ import annotations

from html import escape

import replcheck_spec
from conformance.exchange import Exchange
from conformance.outcomes import Finding, Outcome
from conformance.runner import RunResult

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.5em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
.verdict{padding:.8em 1em;border-radius:4px;font-weight:600}
.conformant{background:#e3f6e5}.not-conformant{background:#fde4e4}
.unsupported,.incomplete,.nothing-judged,.plan,.interrupted{background:#fff4d6}
.passed{color:#17692a}.failed{color:#b3261e;font-weight:600}.error{color:#8a4b00;font-weight:600}
.not-run,.unsupported-o{color:#666}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.meta td{border:none;padding:.1em .5em}
td code{white-space:nowrap}
"""


def _cls(outcome: Outcome) -> str:
    return {Outcome.UNSUPPORTED: "unsupported-o"}.get(outcome, outcome.value.replace(" ", "-"))


def _exchange(exchange: Exchange) -> str:
    request = exchange.request
    sent = [f"{request.method} {request.url}"]
    sent += [f"{name}: {value}" for name, value in request.headers]
    if request.body is not None:
        sent += ["", request.body]
    parts = [
        f"<p><b>Sent</b> ({escape(exchange.purpose)})</p><pre>{escape(chr(10).join(sent))}</pre>"
    ]
    if exchange.response is not None:
        response = exchange.response
        back = [str(response.status)] + [f"{n}: {v}" for n, v in response.headers]
        if response.body:
            back += ["", response.body]
        parts.append(f"<p><b>Came back</b></p><pre>{escape(chr(10).join(back))}</pre>")
    parts.append(f"<p><b>Reproduce</b></p><pre>{escape(exchange.curl())}</pre>")
    return "".join(parts)


def _finding(number: int, finding: Finding) -> str:
    statement = replcheck_spec.requirement(finding.requirement).statement
    body = (
        f"<h3 id='f{number}'>{number}. {escape(finding.requirement)}: "
        f"{escape(finding.message)}</h3>"
        f"<p><b>Requirement</b>: {escape(statement)}</p>"
        f"<p><b>Expected</b>: {escape(finding.expected)}</p>"
    )
    if finding.earlier is not None:
        body += "<p><b>Earlier exchange</b></p>" + _exchange(finding.earlier)
        if finding.exchange is not None:
            body += "<p><b>Later exchange</b></p>"
    if finding.exchange is not None:
        body += _exchange(finding.exchange)
    return body


def render_html(result: RunResult) -> str:
    rows = []
    for requirement_id, outcome in result.results.items():
        requirement = replcheck_spec.requirement(requirement_id)
        why = escape(outcome.reason) + "".join(f"<br>note: {escape(n)}" for n in outcome.notes)
        rows.append(
            f"<tr><td><code>{escape(requirement_id)}</code></td>"
            f"<td class='{_cls(outcome.outcome)}'>{escape(outcome.outcome.value)}</td>"
            f"<td>{escape(requirement.level)}</td><td>{escape(requirement.statement)}"
            f"<br><small>{escape(requirement.source)}</small></td>"
            f"<td>{why}</td></tr>"
        )
    findings = [f for r in result.results.values() for f in r.findings]
    meta = [
        ("Target", result.target_url),
        ("Profile", result.profile),
        ("Seed", str(result.seed)),
        ("Edition", result.edition.value),
        ("Started", result.started_at),
        ("Duration", f"{result.duration_s:.1f} s"),
        ("Requests", str(len(result.exchanges))),
        ("Suite version", result.suite_version),
        ("Spec hash", result.spec_hash),
    ]
    meta += [
        (f"Cluster {name}", f"{v.get('mode')} {v.get('cluster_id') or ''}")
        for name, v in result.cluster_ids.items()
    ]
    verdict_class = result.verdict.replace(" ", "-")
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>replcheck: {escape(result.verdict)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            "<h1>replcheck conformance report</h1>",
            f"<p class='verdict {verdict_class}'>{escape(result.verdict_sentence)}</p>",
            "<table class='meta'>",
            "".join(
                f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>" for k, v in meta
            ),
            "</table>",
            "".join(f"<p>Note: {escape(note)}</p>" for note in result.notes),
            f"<h2>Failures ({len(findings)})</h2>" if findings else "",
            "".join(_finding(n, f) for n, f in enumerate(findings, 1)),
            "<h2>Requirements</h2><table><tr><th>Id</th><th>Outcome</th><th>Level</th>"
            "<th>Statement</th><th>Reason</th></tr>",
            "".join(rows),
            "</table>",
            "</body></html>\n",
        ]
    )
