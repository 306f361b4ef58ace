"""The machine-readable report: one entry per requirement, with the run's provenance."""

from __future__ import annotations

import json
import math
from typing import Any

from replcheck import spec
from replcheck.conformance.engine.run_result import RunResult
from replcheck.conformance.engine.topology_view import TopologyView

#: MAJOR.MINOR of the report format (spec/report/report.json, `replcheck spec --schema report`).
#: Add members under a minor bump; remove or change one only under a major bump.
FORMAT_VERSION = "1.2"


def as_dict(result: RunResult) -> dict[str, Any]:
    requirements = []
    for requirement_id, outcome in result.results.items():
        requirement = spec.requirement(requirement_id)
        requirements.append(
            {
                "id": requirement_id,
                "statement": requirement.statement,
                "level": requirement.level,
                "category": requirement.category,
                "source": requirement.source,
                "outcome": outcome.outcome.value,
                "reason": outcome.reason,
                "notes": outcome.notes,
                "checks": [
                    {
                        "name": check.name,
                        "outcome": check.outcome.value,
                        "reason": check.reason,
                        "notes": check.all_notes,
                        "requests": check.exchanges,
                        "judged": check.judged,
                        "duration_s": round(check.duration_s, 4),
                    }
                    for check in outcome.checks
                ],
                "findings": [finding.to_dict() for finding in outcome.findings],
            }
        )
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "suite_version": result.suite_version,
        "spec_hash": result.spec_hash,
        "seed": result.seed,
        "target": result.target_url,
        "target_description": result.target,
        "target_kind": result.target_kind,
        "profile": result.profile,
        "edition": result.edition.value,
        "edition_observed": result.edition_observed,
        "strict": result.strict,
        "verdict": result.verdict.value,
        "verdict_sentence": result.verdict_sentence,
        "scope_sentence": result.scope_sentence,
        "unjudged_musts": result.unjudged_musts,
        "exit_code": result.exit_code,
        "cluster_ids": result.cluster_ids,
        "settings": result.settings,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "requests_sent": result.requests_sent,
        "cases_per_operation": result.cases_per_operation,
        "notes": result.notes,
        "requirements": requirements,
    }
    if result.topology is not None:
        document["topology"] = topology_dict(result.topology)
    if result.plan:
        document["plan"] = {
            "before_checks": result.plan_lines,
            "requests": [exchange.to_dict() for exchange in result.exchanges],
        }
    return document


def topology_dict(view: TopologyView) -> dict[str, Any]:
    """The set as the report's ``topology`` member (since 1.2): clusters, links with their
    health, the ids failed on each and its timeline, and the unpaired clusters."""
    return {
        "clusters": [
            {
                "name": cluster.name,
                "url": cluster.url,
                "roles": dict(cluster.roles),
                "version": cluster.version,
                "error": cluster.error,
            }
            for cluster in view.clusters
        ],
        "links": [
            {
                "label": link.label,
                "mode": link.mode,
                "primary": link.primary,
                "secondary": link.secondary,
                "health": link.health,
                "failed": list(link.failed),
                "timeline": [
                    {
                        # an offline snapshot may not say when it was read (nan): null
                        "read_at": read_at if math.isfinite(read_at) else None,
                        "state": state,
                        "connection": connection,
                    }
                    for read_at, state, connection in link.timeline
                ],
            }
            for link in view.links
        ],
        "unpaired": list(view.unpaired),
    }


def render_json(result: RunResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
