"""The few lines the plugin adds at the end of a pytest run that ran replcheck tests."""

from __future__ import annotations

from pathlib import Path

from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.judging.outcomes import PARTIAL, Outcome
from replcheck.conformance.plugin_support.options import plugin_words
from replcheck.conformance.report.grouping import EDITION_SEE_VERDICT, by_reason, wrapped


def summary_lines(result: RunResult, reports: dict[str, Path]) -> list[str]:
    """Target, profile and seed (to replay), cluster ids, every requirement that did not pass
    with its reason (so a skip is never silent; those not judged for the same reason share one
    line), the verdict, and where the reports went."""
    lines = [
        f"target {result.target_url}, profile {result.profile}, seed {result.seed} "
        f"(replay with --replcheck-seed {result.seed}), {result.requests_sent} requests",
    ]
    if result.cluster_ids:
        ids = ", ".join(
            f"{name} {v.get('mode')} {v.get('cluster_id') or '-'}"
            for name, v in result.cluster_ids.items()
        )
        lines.append(f"cluster ids (read before any state-changing call): {ids}")
    for requirement_id, outcome in result.results.items():
        if outcome.outcome in (Outcome.FAILED, Outcome.ERROR):
            reason = f" - {plugin_words(outcome.reason)}" if outcome.reason else ""
            lines.append(f"  {outcome.outcome.value:<11} {requirement_id}{reason}")
    # The rest that did not fully pass: one line per outcome and reason, then their ids.
    labels = (PARTIAL, Outcome.NOT_RUN.value, Outcome.UNSUPPORTED.value)
    for group in by_reason(result.results, labels, result.edition_observed):
        count = len(group.requirements)
        counted = f"{count} requirement{'' if count == 1 else 's'}"
        lines.append(f"  {group.label:<11} {counted}: {plugin_words(group.reason)}")
        if group.reason != EDITION_SEE_VERDICT:  # that is every one the API serves
            lines += wrapped(group.requirements, "      ")
    lines += [f"note: {note}" for note in result.notes if note != result.edition_observed]
    lines.append(result.verdict_sentence)
    lines.append(plugin_words(result.scope_sentence))
    lines += [f"{kind} report written to {path}" for kind, path in reports.items()]
    return lines
