"""The suite passes the reference server in every scenario, with zero failures."""

from __future__ import annotations

import pytest
from suite_support import server_config, settings_for

from replcheck import spec
from replcheck.conformance.checks.edition import Edition
from replcheck.conformance.engine.runner import run
from replcheck.conformance.engine.session_opening import DR_SECONDARY_REASON
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.reference_server.config import SCENARIOS
from replcheck.reference_server.embedded import EmbeddedServer

ENTERPRISE = [s for s in SCENARIOS if s != "community"]
#: What a scenario's status leaves a check with nothing to judge, and the reason it says.
_NO_PRIMARY = "no primary section (the dr section is not a primary)"
NOTHING_TO_JUDGE = {
    "disabled": {
        "STATUS-KNOWN-SECONDARIES": _NO_PRIMARY,
        "STATUS-HEARTBEAT-PLAUSIBLE": "no peer of the status is connected",
        "STATUS-WAL-MONOTONIC": "none of its status reads carried a WAL counter (dr: "
        "disabled; performance: disabled); no status answer of the run carried a WAL counter",
    },
    # Vault 1.21's never-connected DR secondary: no last_remote_wal, so nothing to watch.
    "dr-secondary-idle": {
        "STATUS-KNOWN-SECONDARIES": _NO_PRIMARY,
        "STATUS-HEARTBEAT-PLAUSIBLE": "no peer of the status is connected",
        "STATUS-WAL-MONOTONIC": "none of its status reads carried a WAL counter (dr: an idle "
        "secondary (no primary), which reports no last_remote_wal; performance: disabled); no "
        "status answer of the run carried a WAL counter",
    },
}


def _problems(result) -> list[str]:
    return [
        f"{rid}: {r.outcome.value} {r.reason} {[f.message for f in r.findings][:3]}"
        for rid, r in result.results.items()
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    ]


#: Every cluster but a DR secondary: the DR secondary's rule has nothing to judge.
NOT_A_DR_SECONDARY = (
    "the target is not a DR secondary (the status read at the start of the run showed no dr "
    "section in mode secondary); the rule applies to DR secondaries only"
)


def _nothing_to_judge(scenario: str, result) -> dict[str, str]:
    """What the scenario leaves unjudged; on a DR secondary, also every check that needs
    more than what a DR secondary serves (its role's reason, the same for each)."""
    expected = dict(NOTHING_TO_JUDGE.get(scenario, {}))
    if scenario != "dr-secondary-idle":
        expected["DR-SECONDARY-REFUSES"] = NOT_A_DR_SECONDARY
        return expected
    for rid, r in result.results.items():
        if rid not in expected and r.reason == DR_SECONDARY_REASON:
            expected[rid] = DR_SECONDARY_REASON
    return expected


@pytest.mark.parametrize("scenario", ENTERPRISE)
def test_full_profile_passes_every_enterprise_scenario(scenario: str) -> None:
    with EmbeddedServer(server_config(scenario)) as server:
        result = run(settings_for(server.url))
    assert _problems(result) == []
    assert result.verdict == "conformant" and result.exit_code == 0
    assert result.edition is Edition.ENTERPRISE
    # Full profile with a sudo token that can provision: nothing is left unjudged, except the
    # invariants the scenario's status gives nothing to judge (never "passed" for nothing).
    not_judged = {
        rid: r.reason for rid, r in result.results.items() if r.outcome is not Outcome.PASSED
    }
    # The requirements about a replication set: the topology gate's, never passed here.
    topology = {r.id: r.pending_reason for r in spec.requirements() if r.topology}
    assert not_judged == {**_nothing_to_judge(scenario, result), **topology}


def test_safe_profile_passes_and_reports_mutating_requirements_as_not_run(reference) -> None:
    result = run(settings_for(reference.url, profile="safe"))
    assert _problems(result) == []
    assert result.exit_code == 0
    not_run = {rid for rid, r in result.results.items() if r.outcome is Outcome.NOT_RUN}
    assert "REINDEX-SUCCESS" in not_run and "RECOVER-SUCCESS" in not_run
    assert "--profile full" in result.results["REINDEX-SUCCESS"].reason


def test_community_edition_is_unsupported_not_failed() -> None:
    with EmbeddedServer(server_config("community")) as server:
        result = run(settings_for(server.url))
    assert _problems(result) == []
    assert result.edition is Edition.COMMUNITY
    assert result.verdict == "unsupported"
    # Documented rule: exit 1, so a gate cannot pass on an edition without replication.
    assert result.exit_code == 1
    assert "Community Edition" in result.verdict_sentence
    assert result.results["EDITION-ENTERPRISE"].outcome is Outcome.UNSUPPORTED
    assert result.results["STATUS-SCHEMA"].outcome is Outcome.UNSUPPORTED
    # What every Vault keeps is still judged there: auth before the enterprise-only 404.
    assert result.results["REINDEX-SUDO"].outcome is Outcome.PASSED
    assert result.results["RECOVER-AUTH"].outcome is Outcome.PASSED
