"""The fuzzer's breadth: every generated case with every credential that cannot change state,
one that can (in turn), and each write case on a variant spelling of its path; and its
``--budget``, which trades generated cases for time."""

from __future__ import annotations

from collections import defaultdict

import pytest
from suite_support import settings_for

from replcheck.conformance.engine.runner import run
from replcheck.conformance.fuzzing.generation import generate
from replcheck.conformance.fuzzing.path_variants import PATH_VARIANTS
from replcheck.conformance.judging import contract
from replcheck.conformance.settings.target import (
    BUDGET_MAX_EXAMPLES,
    DEFAULT_MAX_EXAMPLES,
    Settings,
)
from replcheck.conformance.settings.values import SettingError

FUZZ = "fuzz_openapi_operations"


def _generated(result):
    return [e for e in result.exchanges if e.origin == FUZZ]


def _case_key(exchange) -> tuple:
    return exchange.request.method, exchange.request.body, exchange.purpose.split(")", 1)[0]


def test_each_case_goes_out_with_every_credential_that_cannot_change_state(reference) -> None:
    result = run(settings_for(reference.url, keyword="fuzz", max_examples=4))
    sent = _generated(result)
    labels: dict[tuple, set[str]] = defaultdict(set)
    for exchange in sent:
        if exchange.operation is not None:
            key = (*_case_key(exchange), exchange.request.url)
            labels[key].add(exchange.purpose.split("), ", 1)[1])
    assert labels
    for key, seen in labels.items():
        method = key[0]
        refusals = {"no token", "invalid token", "invalid Bearer token", "token without update"}
        if method == "GET":
            refusals |= {"token without sudo", "sudo token", "sudo Bearer token"}
        elif key[3].endswith("/reindex"):
            refusals.add("token without sudo")
        assert refusals <= seen, (key, seen)


def test_successful_writes_stay_at_most_one_per_generated_case(reference) -> None:
    result = run(settings_for(reference.url, keyword="fuzz", max_examples=6))
    writes = [
        e
        for e in _generated(result)
        if e.request.method in ("POST", "PUT") and e.operation is not None
    ]
    cases = [case for case in generate(11, 6) if case.method != "GET"]
    succeeded = [e for e in writes if e.status is not None and e.status < 300]
    assert succeeded, "the full profile exercises successful writes"
    assert len(succeeded) <= len(cases)
    assert len(writes) > 4 * len(cases)


def test_write_cases_are_also_sent_to_variant_paths_and_judged(reference) -> None:
    result = run(settings_for(reference.url, keyword="fuzz", max_examples=4))
    variants = [e for e in _generated(result) if "path with" in e.purpose]
    assert {label for label, _ in PATH_VARIANTS} == {
        e.purpose.rsplit("path with ", 1)[1] for e in variants
    }
    assert all(e.operation is None and e.status is not None for e in variants)
    assert all(300 <= e.status < 500 for e in variants), [
        (e.request.url, e.status) for e in variants
    ]
    assert result.verdict == "conformant", result.verdict_sentence


def test_the_full_embedded_run_sends_at_least_500_requests() -> None:
    result = run(Settings(seed=1, profile="full"))
    assert result.verdict == "conformant", result.verdict_sentence
    assert len(result.exchanges) >= 500


def _cases(result) -> int:
    return sum(result.cases_per_operation.values())


def test_a_small_budget_draws_fewer_cases_and_ends_near_it(reference) -> None:
    """Without a budget, ``max_examples`` 1000 would draw for minutes: the budget ends it."""
    small = run(settings_for(reference.url, keyword="fuzz", max_examples=None, budget=3))
    larger = run(settings_for(reference.url, keyword="fuzz", max_examples=None, budget=7))
    assert small.verdict == larger.verdict == "conformant", small.verdict_sentence
    assert set(small.cases_per_operation) == {op.key for op in contract.generated_operations()}
    assert 0 < _cases(small) < _cases(larger)
    assert small.duration_s < 2 * 3 and larger.duration_s < 2 * 7


def test_no_case_is_drawn_for_an_operation_that_changes_replication() -> None:
    """Enable, demote, promote, disable, activation and DR operation tokens, filters: one
    generated request could break a live replication set, so none is drawn; the reads of the
    families (the two status sections, the filters' and the attempt's reads) are."""
    changing = {op.key for op in contract.operations() if op.changes_replication}
    assert "POST /sys/replication/dr/primary/enable" in changing
    assert "POST /sys/replication/performance/primary/secondary-token" in changing
    assert "DELETE /sys/replication/performance/primary/paths-filter/{id}" in changing
    drawn = {case.operation for case in generate(5, 3)}
    assert drawn.isdisjoint(changing)
    assert {"GET /sys/replication/dr/status", "GET /sys/replication/performance/status"} <= drawn
    assert drawn == {op.key for op in contract.generated_operations()}
    assert not {op.key for op in contract.generated_operations()} & changing
    document = contract.generation_document()
    assert "/sys/replication/dr/primary/enable" not in document["paths"]
    assert set(document["paths"]["/sys/replication/performance/primary/paths-filter/{id}"]) == {
        "parameters", "get"}


def test_with_a_budget_the_fuzzer_runs_after_every_other_check(reference) -> None:
    with_budget = run(settings_for(reference.url, keyword="fuzz or REINDEX-SUCCESS", budget=5))
    without = run(settings_for(reference.url, keyword="fuzz or REINDEX-SUCCESS"))
    assert [c.name for c in with_budget.checks][:2] == ["succeeds_with_sudo_token", FUZZ]
    assert [c.name for c in without.checks][:2] == [FUZZ, "succeeds_with_sudo_token"]
    assert _cases(without) > 0


def test_the_budget_is_a_setting_with_env_and_ini_twins() -> None:
    env = {"REPLCHECK_BUDGET": "2m"}
    assert Settings.resolve({}, env).budget == 120
    assert Settings.resolve({}, {}, {"budget": "45s"}).budget == 45
    assert Settings.resolve({"budget": 9.0}, env).budget == 9
    assert Settings.resolve({}, {}).examples == DEFAULT_MAX_EXAMPLES
    assert Settings.resolve({}, env).examples == BUDGET_MAX_EXAMPLES
    assert Settings.resolve({"max_examples": 7}, env).examples == 7
    with pytest.raises(SettingError, match="REPLCHECK_BUDGET"):
        Settings.resolve({}, {"REPLCHECK_BUDGET": "soon"})
    with pytest.raises(SettingError, match=r"--budget .*must be more than 0"):
        Settings.resolve({"budget": 0.0}, {})
