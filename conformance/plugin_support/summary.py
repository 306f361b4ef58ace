"""The few lines the plugin adds at the end of a pytest run that ran replcheck tests."""

from __future__ import annotations

from pathlib import Path

from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.plugin_support.options import plugin_words


def summary_lines(result: RunResult, reports: dict[str, Path]) -> list[str]:
    """Target, profile and seed (to replay), cluster ids, every requirement that did not pass
    with its reason (so a skip is never silent), the verdict, and where the reports went."""
    lines = [
        f"target {result.target_url}, profile {result.profile}, seed {result.seed} "
        f"(replay with --replcheck-seed {result.seed}), {len(result.exchanges)} requests",
    ]
    if result.cluster_ids:
        ids = ", ".join(
            f"{name} {v.get('mode')} {v.get('cluster_id') or '-'}"
            for name, v in result.cluster_ids.items()
        )
        lines.append(f"cluster ids (read before any state-changing call): {ids}")
    for requirement_id, outcome in result.results.items():
        if outcome.outcome is not Outcome.PASSED:
            reason = f" - {plugin_words(outcome.reason)}" if outcome.reason else ""
            lines.append(f"  {outcome.outcome.value:<11} {requirement_id}{reason}")
    lines += [f"note: {note}" for note in result.notes]
    lines.append(result.verdict_sentence)
    lines += [f"{kind} report written to {path}" for kind, path in reports.items()]
    return lines
