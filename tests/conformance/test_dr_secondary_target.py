"""A DR secondary as the target: Vault refuses every request but its status reads (and the DR
operation-token endpoints) with 400 "path disabled in replication DR secondary mode", tokens
included, so a run must neither stop on the token look-up nor blame the target for refusing
recover and reindex. It judges what a DR secondary serves, the refusal itself
(DR-SECONDARY-REFUSES), says once why the rest is not run, and sends nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from suite_support import server_config, settings_for

from replcheck.conformance.engine.runner import run
from replcheck.conformance.engine.session_opening import DR_SECONDARY_NOTE, DR_SECONDARY_REASON
from replcheck.conformance.judging import contract
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.reference_server.embedded import EmbeddedServer

#: What a DR secondary serves of the contract: its unauthenticated reads (the status reads,
#: the DR operation-token attempt).
SERVED = {op.key for op in contract.operations() if op.method == "GET" and op.unauthenticated}
#: The only paths a run may send to a DR secondary: those, and the two reads the
#: DR-SECONDARY-REFUSES check sends to be refused.
SERVED_OR_PROBED = {
    *(f"{contract.api_prefix()}{key.split(' ', 1)[1]}" for key in SERVED),
    "/v1/auth/token/lookup-self",
    "/v1/sys/mounts",
}


@pytest.fixture(scope="module")
def dr_secondary() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(server_config("dr-secondary-idle")) as server:
        yield server


def test_a_dr_secondary_is_judged_for_what_it_serves(dr_secondary: EmbeddedServer) -> None:
    result = run(settings_for(dr_secondary.url))
    assert result.verdict == "conformant" and result.exit_code == 0, result.sentence
    outcomes = {rid: r.outcome for rid, r in result.results.items()}
    assert outcomes["DR-SECONDARY-REFUSES"] is Outcome.PASSED
    assert outcomes["STATUS-SCHEMA"] is Outcome.PASSED
    assert outcomes["STATUS-UNAUTHENTICATED"] is Outcome.PASSED
    for rid in ("RECOVER-AUTH", "REINDEX-SUDO", "REINDEX-SUCCESS", "VAULT-UNKNOWN-PATH"):
        assert outcomes[rid] is Outcome.NOT_RUN, rid
        assert result.results[rid].reason == DR_SECONDARY_REASON
    assert DR_SECONDARY_NOTE in result.notes
    assert "need a run against the DR secondary's primary" in result.scope_sentence


def test_nothing_but_status_reads_and_the_refusal_probes_is_sent(
    dr_secondary: EmbeddedServer,
) -> None:
    """No token look-up, no capabilities, no provisioning (even in the full profile), and a
    fuzzer that sends only status reads."""
    policies_before = dr_secondary.app.state.vault.policies.names()
    result = run(settings_for(dr_secondary.url, profile="full", provision=True))
    sent = {
        ("/" + exchange.request.url.split("?")[0].split("://", 1)[1].partition("/")[2],
         exchange.origin)
        for exchange in result.exchanges
    }  # fmt: skip
    # Bodies that are not UTF-8 go to recover and reindex (VAULT-NO-SERVER-ERROR): whatever
    # the role, they must be refused with a 4xx, so they may go to a DR secondary too.
    assert {path for path, origin in sent if origin != "bodies_not_utf8_are_4xx"} <= (
        SERVED_OR_PROBED
    )
    assert dr_secondary.app.state.vault.policies.names() == policies_before
    fuzzed = {op: n for op, n in result.cases_per_operation.items() if n}
    assert set(fuzzed) == SERVED


def test_a_wrong_token_cannot_be_looked_up_on_a_dr_secondary(
    dr_secondary: EmbeddedServer,
) -> None:
    """A DR secondary answers every token look-up with "path disabled": the run cannot tell a
    wrong token, so it does not stop on it; the refusal is judged all the same."""
    result = run(settings_for(dr_secondary.url, token="hvs.not0a0token0of0this0cluster0x"))
    assert result.exit_code == 0, result.sentence
    assert result.results["DR-SECONDARY-REFUSES"].outcome is Outcome.PASSED


def test_on_any_other_cluster_the_refusal_rule_has_nothing_to_judge() -> None:
    with EmbeddedServer(server_config("dr-perf-primary")) as server:
        result = run(settings_for(server.url, profile="safe", keyword="DR-SECONDARY"))
    refused = result.results["DR-SECONDARY-REFUSES"]
    assert refused.outcome is Outcome.NOT_RUN
    assert "not a DR secondary" in refused.reason
