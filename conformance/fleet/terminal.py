"""The fleet's terminal summary, compact enough for 50 targets.

One line per target (its verdict, its counts, its duration; the sentence of a target without a
verdict), then a matrix of only the requirements failed (errored, partial, unsupported) on some
target or labelled differently across the targets (``FleetResult.attention``): targets as rows,
one narrow column per requirement, the ids listed under it as the column key; then the fleet's
verdict line. Everything here reads a ``FleetResult`` alone, so a merged fleet
(``replcheck report merge``) prints the same.
"""

from __future__ import annotations

from replcheck.conformance.fleet.result import FleetResult, TargetOutcome

#: One character per label in the matrix (``.`` passed, ``F`` failed, ``p`` partial, ``-`` not
#: run, ``u`` unsupported, ``E`` error, a blank: the target does not report that requirement).
SYMBOLS = {
    "passed": ".", "failed": "F", "partial": "p", "not run": "-", "unsupported": "u",
    "error": "E",
}

#: Beyond this many columns the matrix is cut, the rest counted below it.
MAX_COLUMNS = 60


def _target_line(target: TargetOutcome, width: int) -> str:
    head = f"  {target.name:<{width}}  {target.verdict.upper():<15}"
    if target.without_verdict and not target.outcomes:
        return f"{head} {target.sentence}"
    return f"{head} {target.tally()}  ({target.requests} requests, {target.duration_s:.1f} s)"


def render_fleet_terminal(result: FleetResult) -> str:
    """The summary: target lines, the matrix of what is not passed everywhere, the verdict."""
    width = max((len(t.name) for t in result.targets), default=4)
    lines = [f"Fleet: {len(result.targets)} target(s)"
             + (f", shard {result.shard[0]}/{result.shard[1]}" if result.shard else "")
             + f", {result.duration_s:.1f} s"]
    lines += [_target_line(target, width) for target in result.targets]
    columns = result.attention()
    shown = columns[:MAX_COLUMNS]
    if shown:
        lines += ["", "Requirements failed somewhere or labelled differently across targets "
                  "(. passed  F failed  p partial  - not run  u unsupported  E error):"]
        numbers = "".join(str((i + 1) // 10 % 10) if (i + 1) % 10 == 0 else " "
                          for i in range(len(shown)))
        lines.append(f"  {'':<{width}}  {numbers.rstrip()}")
        for target in result.targets:
            if not target.outcomes:
                continue
            row = "".join(SYMBOLS.get(target.outcomes.get(rid, ""), " ") for rid in shown)
            lines.append(f"  {target.name:<{width}}  {row}")
        lines.append("  columns:")
        lines += [f"  {i + 1:>4}  {rid}" for i, rid in enumerate(shown)]
        if len(columns) > len(shown):
            lines.append(f"  … and {len(columns) - len(shown)} more (see the JSON or HTML report)")
    elif result.targets:
        lines += ["", "Every target gave every requirement the same label, none failed."]
    lines += ["", result.sentence]
    return "\n".join(lines) + "\n"
