"""``replcheck report merge A.json B.json ...``: the shards' fleet reports as one fleet result.

The merged result is the one an unsharded run of the same selection would have given: the
same targets with the same outcomes (each shard's target rows are taken as they are), so the
same matrix and the same exit status. What cannot be merged is refused with one sentence
(``MergeError``, exit 2), because a merged report that silently lacks or doubles a target
would let a gate pass on less than the fleet:

- a report that is not a fleet report of this major ``format_version`` (refused when read,
  by ``fleet_result_from_json``);
- reports of different suite or spec versions (their requirements are not the same columns);
- a target in two reports;
- shards of different N, the same shard twice, or a shard of N missing (reports written by
  unsharded runs, ``"shard": null``, are merged as they are, with no such check).

Order: the inventory's when it is given (``order``; targets it does not name follow by name),
else by name. The merged run started when the first shard started and lasted until the last
shard ended (the shards ran side by side).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome


class MergeError(ValueError):
    """Reports that cannot be merged; the message is one sentence for exit 2."""


@dataclasses.dataclass(frozen=True)
class ShardReport:
    """One fleet report to merge: where it came from (for the sentences) and its result."""

    source: str
    result: FleetResult


def _same(reports: Sequence[ShardReport], key: str, what: str) -> str:
    first = reports[0]
    for other in reports[1:]:
        if getattr(other.result, key) != getattr(first.result, key):
            raise MergeError(
                f"{first.source} and {other.source} were written with different {what}s "
                f"({getattr(first.result, key)} and {getattr(other.result, key)}): merge the "
                "reports of one replcheck version only"
            )
    return str(getattr(first.result, key))


def _check_shards(reports: Sequence[ShardReport]) -> None:
    shards = [(r.source, r.result.shard) for r in reports if r.result.shard is not None]
    if not shards:
        return
    totals = {shard[1] for _, shard in shards}
    if len(totals) > 1 or len(shards) != len(reports):
        raise MergeError(
            "the reports are shards of different splits (or mix sharded and unsharded runs): "
            "merge the N shards of one --shard I/N split"
        )
    (total,) = totals
    seen: dict[int, str] = {}
    for source, (index, _) in shards:
        if index in seen:
            raise MergeError(f"{seen[index]} and {source} are both shard {index}/{total}")
        seen[index] = source
    missing = [str(index) for index in range(1, total + 1) if index not in seen]
    if missing:
        raise MergeError(
            f"shard {', '.join(missing)} of {total} is missing, so the merged matrix would "
            "lack its targets"
        )


def _ordered(names: list[str], order: Sequence[str] | None) -> list[str]:
    position = {name: number for number, name in enumerate(order or ())}
    return sorted(names, key=lambda name: (position.get(name, len(position)), name))


def _started(result: FleetResult) -> float | None:
    try:
        return datetime.fromisoformat(result.started_at).timestamp()
    except ValueError:
        return None


def merge_results(
    reports: Sequence[ShardReport], order: Sequence[str] | None = None
) -> FleetResult:
    """One fleet result from the shards' (see the module for what is refused)."""
    if not reports:
        raise MergeError("report merge needs at least one fleet report")
    suite_version = _same(reports, "suite_version", "suite version")
    spec_version = _same(reports, "spec_version", "spec version")
    _check_shards(reports)
    owner: dict[str, str] = {}
    targets: dict[str, TargetOutcome] = {}
    for report in reports:
        for target in report.result.targets:
            if target.name in owner:
                raise MergeError(
                    f"target {target.name} is in both {owner[target.name]} and {report.source}"
                )
            owner[target.name] = report.source
            targets[target.name] = target
    timed = [(start, r.result) for r in reports if (start := _started(r.result)) is not None]
    if timed:
        first_start, first = min(timed, key=lambda pair: pair[0])
        end = max(start + result.duration_s for start, result in timed)
        started_at, duration_s = first.started_at, end - first_start
    else:
        started_at, duration_s = "", max(r.result.duration_s for r in reports)
    return FleetResult(
        targets=[targets[name] for name in _ordered(list(targets), order)],
        started_at=started_at,
        duration_s=duration_s,
        shard=None,
        suite_version=suite_version,
        spec_version=spec_version,
    )
