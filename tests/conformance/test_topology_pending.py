"""Requirements about a replication set (``scope: topology``) in a single-cluster run: reported
not run as the topology gate's, never passed, never left out, and no gap under ``--strict``;
and the checks of the two families' status sections, judged today, tested both ways."""

from __future__ import annotations

import json

from suite_support import app_for, serve_app, settings_for

from replcheck import spec
from replcheck.conformance.enforcement.topology_pending import GATE, pending, pending_results
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.report import render_json, render_junit
from replcheck.conformance.settings.selection import Selection
from replcheck.reference_server.broken.registry import ZOO


def test_pending_results_follow_the_selection() -> None:
    every = pending_results()
    assert [r.requirement for r in every] == [r.id for r in spec.requirements() if r.topology]
    assert all(r.outcome is Outcome.NOT_RUN and r.by_choice and r.name == GATE for r in every)
    assert all(r.reason == spec.requirement(r.requirement).pending_reason for r in every)
    reasons = {r.requirement: r.reason for r in every}
    assert reasons["DR-FAILOVER"] == spec.TOPOLOGY_PENDING
    assert reasons["PERFORMANCE-FAILOVER"] == spec.TOPOLOGY_UNJUDGED
    only_dr = {r.requirement for r in pending_results(Selection("DR-FAILOVER"))}
    assert only_dr == {"DR-FAILOVER"}
    assert pending_results(Selection("STATUS-SCHEMA")) == []
    assert {r.id for r in pending()} == {r.requirement for r in every}


def test_a_strict_run_reports_them_not_run_and_stays_conformant(reference) -> None:
    result = run(settings_for(reference.url, keyword="DR-STATUS or DR-FAILOVER", strict=True))
    assert result.verdict == "conformant", result.verdict_sentence
    assert result.results["DR-FAILOVER"].outcome is Outcome.NOT_RUN
    assert result.results["DR-FAILOVER"].reason == spec.TOPOLOGY_PENDING
    assert result.results["DR-STATUS-UNAUTHENTICATED"].outcome is Outcome.PASSED
    assert result.results["DR-STATUS-MATCHES-STATUS"].outcome is Outcome.PASSED
    assert "(1 left to replcheck run --topology)" in result.scope_sentence
    document = json.loads(render_json(result))
    entry = next(e for e in document["requirements"] if e["id"] == "DR-FAILOVER")
    assert entry["outcome"] == "not run" and spec.TOPOLOGY_PENDING in json.dumps(entry)
    junit = render_junit(result)
    assert "DR-FAILOVER" in junit and f'message="not run: {spec.TOPOLOGY_PENDING}"' in junit


def _broken(name: str):
    return next(b for b in ZOO if b.name == name)


def test_the_section_status_checks_fail_their_broken_servers() -> None:
    for name, requirement in (
        ("dr-status-requires-token", "DR-STATUS-UNAUTHENTICATED"),
        ("performance-status-requires-token", "PERFORMANCE-STATUS-UNAUTHENTICATED"),
        ("dr-status-other-cluster", "DR-STATUS-MATCHES-STATUS"),
        ("performance-status-is-dr", "PERFORMANCE-STATUS-MATCHES-STATUS"),
    ):
        app = _broken(name).factory(app_for())
        with serve_app(app) as url:
            result = run(settings_for(url, keyword=requirement))
        assert result.results[requirement].outcome is Outcome.FAILED, name
    with serve_app(app_for()) as url:
        result = run(settings_for(url, keyword="STATUS-UNAUTHENTICATED or MATCHES-STATUS"))
    assert result.verdict == "conformant", result.verdict_sentence
