"""The GitHub job summary of a replcheck run, from its JSON report (used by ``action.yml``).

Appends Markdown to the summary file (the verdict, the run's provenance, the requirements that
did not pass with the reason or first finding, then every requirement in a collapsed list) and
``verdict=...`` to the step's output file. A fleet report (the action's inventory input) gets
the fleet's sentence and one row per target instead. With no report (``replcheck run`` exited
2 before writing one) the summary says so and the verdict is ``none``.

Standard library only: it runs with the venv's Python but needs nothing from replcheck. The JSON
report is already masked by replcheck, so nothing here handles tokens.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

#: Longest reason or finding quoted in a table cell; the HTML report has the whole text.
CELL_LIMIT = 300
OUTCOME_ORDER = ("failed", "error", "not run", "unsupported", "passed")


def cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, bounded, with pipes and angle brackets
    escaped (findings quote the target's answers, which must not become markup)."""
    flat = " ".join(str(text).split())
    if len(flat) > CELL_LIMIT:
        flat = flat[: CELL_LIMIT - 1] + "…"
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def why(requirement: dict[str, Any]) -> str:
    """Why a requirement did not pass: its first finding (the message, then what was expected),
    else its reason, else the first reason one of its checks gave."""
    findings = requirement.get("findings") or []
    if findings:
        first = findings[0]
        text = str(first.get("message", ""))
        if first.get("expected"):
            text += f"; expected: {first['expected']}"
        return text + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else "")
    if requirement.get("reason"):
        return str(requirement["reason"])
    reasons = [c.get("reason") for c in requirement.get("checks") or [] if c.get("reason")]
    return str(reasons[0]) if reasons else ""


def _rank(outcome: str) -> int:
    return OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else len(OUTCOME_ORDER)


def _row(requirement: dict[str, Any]) -> str:
    """The first cells of a requirement's row: id, level, outcome."""
    fields = (requirement.get(key, "?") for key in ("id", "level", "outcome"))
    return "| " + " | ".join(cell(value) for value in fields) + " |"


def no_report(exit_code: str) -> str:
    return (
        "## replcheck: no report\n\n"
        f"`replcheck run` exited {exit_code} without writing a report: the run could not be "
        "made (a bad setting, an unreachable target, a TLS failure). The step's log says why "
        "in one sentence.\n"
    )


def summary(report: dict[str, Any]) -> str:
    requirements = report.get("requirements") or []
    counts = Counter(str(requirement.get("outcome", "?")) for requirement in requirements)
    verdict = str(report.get("verdict", "?")).upper()
    lines = [f"## replcheck: {verdict}", ""]
    if report.get("verdict_sentence"):
        lines += [cell(report["verdict_sentence"]), ""]
    provenance = [
        f"target `{report.get('target') or 'embedded reference server'}`",
        f"profile {report.get('profile', '?')}",
        f"seed {report.get('seed', '?')}",
        f"{report.get('requests_sent', '?')} requests",
        f"replcheck {report.get('suite_version', '?')}",
        f"spec {str(report.get('spec_hash', '?'))[:12]}",
    ]
    lines += [", ".join(provenance), ""]
    ordered = sorted(counts, key=_rank)
    lines += ["| outcome | requirements |", "|---|---|"]
    lines += [f"| {outcome} | {counts[outcome]} |" for outcome in ordered]
    lines.append("")
    not_passed = sorted(
        (r for r in requirements if r.get("outcome") != "passed"),
        key=lambda r: _rank(r.get("outcome", "?")),
    )
    if not_passed:
        lines += ["### Not passed", "", "| requirement | level | outcome | why |"]
        lines += ["|---|---|---|---|", *(f"{_row(r)} {cell(why(r))} |" for r in not_passed), ""]
    lines += ["<details><summary>Every requirement</summary>", ""]
    lines += ["| requirement | level | outcome |", "|---|---|---|"]
    lines += [_row(r) for r in requirements]
    lines += ["", "</details>", ""]
    lines.append(
        f"Replay the same requests with `replcheck run --seed {report.get('seed', '?')}`; "
        "the HTML report in the artifact shows every exchange."
    )
    return "\n".join(lines) + "\n"


#: A fleet's verdict (the ``verdict`` output) from its exit status.
FLEET_VERDICTS = {0: "conformant", 1: "not conformant", 2: "no verdict"}


def fleet_summary(report: dict[str, Any]) -> str:
    """A fleet report (``replcheck fleet`` or ``report merge``): the fleet's sentence, then one
    row per target with its verdict and what its requirements were labelled."""
    shard = report.get("shard")
    title = f"## replcheck fleet{f' (shard {shard[0]}/{shard[1]})' if shard else ''}"
    lines = [title, "", cell(report.get("sentence", "")), ""]
    lines += ["| target | verdict | requirements |", "|---|---|---|"]
    for target in report.get("targets") or []:
        counts = Counter(str(label) for label in (target.get("outcomes") or {}).values())
        tally = ", ".join(f"{counts[o]} {o}" for o in sorted(counts, key=_rank))
        what = tally or target.get("sentence", "")
        lines.append(f"| {cell(target.get('name', '?'))} | {cell(target.get('verdict', '?'))} "
                     f"| {cell(what)} |")
    lines += ["", "Each target's findings are in the HTML report of the artifact."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", required=True, type=Path, help="replcheck's JSON report")
    parser.add_argument("--exit-code", required=True, help="the exit status of replcheck run")
    parser.add_argument("--summary", required=True, type=Path, help="file to append Markdown to")
    parser.add_argument("--outputs", required=True, type=Path, help="file to append verdict= to")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        report = None
    if isinstance(report, dict) and "targets" in report:
        text = fleet_summary(report)
        verdict = FLEET_VERDICTS.get(report.get("exit_code", 2), "no verdict")
    elif isinstance(report, dict):
        text, verdict = summary(report), str(report.get("verdict", "none"))
    else:
        text, verdict = no_report(args.exit_code), "none"
    with args.summary.open("a", encoding="utf-8") as out:
        out.write(text)
    with args.outputs.open("a", encoding="utf-8") as out:
        out.write(f"verdict={' '.join(verdict.split())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
