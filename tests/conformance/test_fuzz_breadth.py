"""The fuzzer's breadth: every generated case with every credential that cannot change state,
one that can (in turn), and each write case on a variant spelling of its path."""

from __future__ import annotations

from collections import defaultdict

from suite_support import settings_for

from conformance import fuzz
from conformance.runner import run
from conformance.target import Settings

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
    cases = [case for case in fuzz.generate(11, 6) if case.method != "GET"]
    succeeded = [e for e in writes if e.status is not None and e.status < 300]
    assert succeeded, "the full profile exercises successful writes"
    assert len(succeeded) <= len(cases)
    assert len(writes) > 4 * len(cases)


def test_write_cases_are_also_sent_to_variant_paths_and_judged(reference) -> None:
    result = run(settings_for(reference.url, keyword="fuzz", max_examples=4))
    variants = [e for e in _generated(result) if "path with" in e.purpose]
    assert {label for label, _ in fuzz.PATH_VARIANTS} == {
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
