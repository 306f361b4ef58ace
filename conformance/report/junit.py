"""JUnit XML for CI: one test case per check (and per judge), classname = requirement id.

A topology run judges a requirement once per link: its results are named by the link's label
(``dr: A -> B``), so each is a test case of its own, and the classname carries the link too
(``TOPOLOGY-SHARED-CLUSTER-ID [dr: A -> B]``): CI lists that group test cases by class name
would otherwise fold every link of a requirement into one row.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import Finding, Outcome
from replcheck.conformance.report.grouping import FindingGroup, group_findings
from replcheck.conformance.transport.exchange import visible

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, which fuzzed bodies contain: they are
    written as visible escapes (``\\x00``)."""
    return _NOT_XML.sub(lambda match: visible(match.group()), text)


def _finding_text(finding: Finding) -> str:
    lines = [finding.message, f"expected: {finding.expected}"]
    if finding.earlier is not None:
        lines.append(f"earlier: {finding.earlier.summary()}")
        if finding.earlier.response is not None:
            lines.append(f"earlier came back: {visible(finding.earlier.response.body[:500])}")
    if finding.exchange is not None:
        lines.append(f"sent: {finding.exchange.summary()}")
        if finding.exchange.response is not None:
            lines.append(f"came back: {visible(finding.exchange.response.body[:500])}")
        lines.append(f"reproduce: {finding.exchange.curl()}")
    return _xml_safe("\n".join(lines))


def _group_text(group: FindingGroup) -> str:
    """A distinct finding once, with the requests it was seen on when there are several."""
    text = _finding_text(group.first)
    if group.count == 1:
        return text
    seen = "\n".join(f"  {line}" for line in group.requests())
    return text + _xml_safe(f"\nseen on {group.count} requests:\n{seen}")


def render_junit(result: RunResult) -> str:
    checks = result.checks
    suite = ET.Element(
        "testsuite",
        {
            "name": "replcheck",
            "tests": str(len(checks)),
            "failures": str(sum(c.outcome is Outcome.FAILED for c in checks)),
            "errors": str(sum(c.outcome is Outcome.ERROR for c in checks)),
            "skipped": str(
                sum(c.outcome in (Outcome.NOT_RUN, Outcome.UNSUPPORTED) for c in checks)
            ),
            "time": f"{result.duration_s:.3f}",
            "timestamp": result.started_at,
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("suite_version", result.suite_version),
        ("spec_hash", result.spec_hash),
        ("seed", str(result.seed)),
        ("target", result.target_url),
        ("target_kind", result.target_kind),
        ("profile", result.profile),
        ("strict", "on" if result.strict else "off"),
        ("scope", result.scope_sentence),
        ("verdict", result.verdict.value),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    links = {link.label for link in result.topology.links} if result.topology else set()
    for check in checks:
        classname = check.requirement
        if check.name in links:
            classname = f"{check.requirement} [{check.name}]"
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _xml_safe(classname),
                "name": check.name,
                "time": f"{check.duration_s:.3f}",
            },
        )
        if check.outcome is Outcome.FAILED:
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "message": _xml_safe(check.findings[0].message if check.findings else "failed"),
                    "type": check.requirement,
                },
            )
            failure.text = "\n\n".join(_group_text(g) for g in group_findings(check.findings))
        elif check.outcome is Outcome.ERROR:
            ET.SubElement(
                case, "error", {"message": _xml_safe(check.reason), "type": "suite error"}
            )
        elif check.outcome in (Outcome.NOT_RUN, Outcome.UNSUPPORTED):
            ET.SubElement(case, "skipped", {"message": f"{check.outcome.value}: {check.reason}"})
        if check.all_notes:
            ET.SubElement(case, "system-out").text = _xml_safe("\n".join(check.all_notes))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )
