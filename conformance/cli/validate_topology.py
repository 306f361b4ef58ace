"""``replcheck validate --topology FILE...``: judge captured status snapshots of a set.

One file per cluster (any form ``conformance.topology.snapshot`` reads), paired and judged
with the relations that one round can show (not those over time). Exit 0 when no relation
fails, 1 when one does (or when no link could be paired: nothing judged is no pass), 2 when a
file cannot be read (one sentence naming it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from replcheck.conformance.judging.outcomes import CheckResult, Outcome
from replcheck.conformance.topology.judging import judge
from replcheck.conformance.topology.snapshot import SnapshotError, offline_round


def _line(result: CheckResult) -> str:
    text = f"  {result.requirement:<28} {result.outcome.value}"
    if result.outcome is Outcome.NOT_RUN:
        label = "not applicable" if result.inapplicable else "not run"
        text = f"  {result.requirement:<28} {label}: {result.reason}"
    return text


def run(files: Sequence[str], keyword: str | None = None) -> int:
    try:
        round_ = offline_round(files)
    except SnapshotError as exc:
        print(f"replcheck validate: {exc}", file=sys.stderr)
        return 2
    judgement = judge([round_], keyword=keyword, history=False)
    pairing = judgement.pairing
    print(f"{len(round_)} cluster(s): {', '.join(read.cluster for read in round_)}")
    print(f"links ({len(pairing.links)}):")
    for link in pairing.links:
        print(f"  {link.label}  cluster_id {link.cluster_id}  secondary_id {link.secondary_id}")
    if pairing.unpaired:
        print(f"unpaired ({len(pairing.unpaired)}):")
        for entry in pairing.unpaired:
            print(f"  {entry}")
    names = [link.label for link in pairing.links] + ["set"]
    for name in names:
        results = [r for r in judgement.results if r.name == name]
        if not results:
            continue
        print(f"{name}:")
        for result in results:
            print(_line(result))
            for finding in result.findings:
                print(f"      {finding.message} (expected {finding.expected})")
    failed = [r for r in judgement.results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    passed = [r for r in judgement.results if r.outcome is Outcome.PASSED]
    if failed:
        print(f"NOT CONFORMANT: {len(failed)} result(s) failed, {len(passed)} passed")
        return 1
    if not pairing.links:
        print("NOTHING JUDGED: no link could be paired among these snapshots")
        return 1
    print(f"CONFORMANT: {len(passed)} result(s) passed, none failed")
    return 0
