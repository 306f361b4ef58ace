"""The fleet's JUnit XML: one ``testsuite`` per target, one ``testcase`` per requirement.

CI systems list a suite per target (``name`` is the target's name) and a case per requirement
(``classname`` the target, ``name`` the requirement id): a failed requirement is a ``failure``
whose text is its findings' messages; ``error`` an ``error``; not run and unsupported are
``skipped``. A target without a verdict is one suite with a single ``error`` case carrying its
sentence. Reads a ``FleetResult`` alone (a merged fleet renders the same).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome
from replcheck.conformance.report.junit import _xml_safe


def _requirements(target: TargetOutcome) -> dict[str, dict[str, Any]]:
    entries = (target.report or {}).get("requirements", [])
    return {str(entry.get("id")): entry for entry in entries if isinstance(entry, dict)}


def _findings_text(entry: dict[str, Any]) -> str:
    lines = []
    for finding in entry.get("findings", [])[:20]:
        lines.append(f"{finding.get('message', '')}\nexpected: {finding.get('expected', '')}")
        exchange = finding.get("exchange") or {}
        if exchange.get("curl"):
            lines.append(f"reproduce: {exchange['curl']}")
    return _xml_safe("\n\n".join(lines))


def _suite(root: ET.Element, target: TargetOutcome) -> None:
    labels = list(target.outcomes.values())
    suite = ET.SubElement(root, "testsuite", {
        "name": target.name,
        "tests": str(len(labels) or 1),
        "failures": str(labels.count("failed")),
        "errors": str(labels.count("error") + (0 if labels else int(target.without_verdict))),
        "skipped": str(labels.count("not run") + labels.count("unsupported")),
        "time": f"{target.duration_s:.3f}",
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in (("kind", target.kind), ("tags", ",".join(target.tags)),
                        ("verdict", target.verdict), ("exit_code", str(target.exit_code)),
                        ("sentence", target.sentence)):
        ET.SubElement(properties, "property", {"name": name, "value": _xml_safe(value)})
    if not labels:
        case = ET.SubElement(suite, "testcase", {"classname": target.name, "name": "verdict"})
        if target.without_verdict:
            ET.SubElement(case, "error", {"message": _xml_safe(target.sentence),
                                          "type": target.verdict})
        return
    entries = _requirements(target)
    for rid, shown in target.outcomes.items():
        case = ET.SubElement(suite, "testcase", {"classname": target.name, "name": rid})
        entry = entries.get(rid, {})
        reason = _xml_safe(str(entry.get("reason", "")))
        if shown == "failed":
            failure = ET.SubElement(case, "failure", {"message": reason or "failed",
                                                      "type": rid})
            failure.text = _findings_text(entry)
        elif shown == "error":
            ET.SubElement(case, "error", {"message": reason or "error", "type": "suite error"})
        elif shown in ("not run", "unsupported"):
            ET.SubElement(case, "skipped", {"message": f"{shown}: {reason}"})


def render_fleet_junit(result: FleetResult) -> str:
    root = ET.Element("testsuites", {
        "name": "replcheck fleet",
        "tests": str(sum(len(t.outcomes) or 1 for t in result.targets)),
        "time": f"{result.duration_s:.3f}",
    })
    for target in result.targets:
        _suite(root, target)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
