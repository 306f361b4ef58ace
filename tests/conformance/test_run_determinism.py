"""Same target, same seed: same requests and same verdicts. A safe run changes nothing."""

from __future__ import annotations

import httpx
from suite_support import settings_for

from replcheck.conformance.engine.runner import run
from replcheck.conformance.fuzzing.generation import generate


def _requests(result) -> list[tuple[str, str, str | None, str]]:
    return [(e.request.method, e.request.url, e.request.body, e.purpose) for e in result.exchanges]


def _verdicts(result) -> dict[str, str]:
    return {f"{c.requirement}::{c.name}": c.outcome.value for c in result.checks}


def test_two_runs_with_one_seed_send_the_same_requests_and_agree(reference) -> None:
    first = run(settings_for(reference.url, seed=1234))
    second = run(settings_for(reference.url, seed=1234))
    assert first.seed == second.seed == 1234
    assert _verdicts(first) == _verdicts(second)
    assert _requests(first) == _requests(second)


def test_a_different_seed_generates_different_requests() -> None:
    assert generate(1, 10) == generate(1, 10)
    assert generate(1, 10) != generate(2, 10)


def test_a_run_without_a_seed_draws_one_and_reports_it(reference) -> None:
    messages: list[str] = []

    class Listener:
        def message(self, text: str) -> None:
            messages.append(text)

        def check_finished(self, result) -> None:
            pass

    result = run(settings_for(reference.url, seed=None, keyword="STATUS-UNAUTH"), Listener())
    assert isinstance(result.seed, int)
    assert any(f"seed: {result.seed}" in m for m in messages)


def test_safe_profile_sends_no_sufficient_token_on_a_write_and_changes_no_state(reference) -> None:
    status_url = f"{reference.url}/v1/sys/replication/status"
    before = httpx.get(status_url).json()["data"]
    result = run(settings_for(reference.url, profile="safe", max_examples=10))
    writes = [
        e
        for e in result.exchanges
        if e.request.method in ("POST", "PUT")
        and ("/recover" in e.request.url or "/reindex" in e.request.url)
    ]
    assert writes
    for exchange in writes:
        sent = " ".join(v for _, v in exchange.request.headers)
        assert "$VAULT_TOKEN" not in sent or exchange.status in (400, 403, 404, 405), exchange
        if "/recover" in exchange.request.url:
            assert "$VAULT_NON_SUDO_TOKEN" not in sent
        assert exchange.status is None or exchange.status >= 300, exchange.summary()
    after = httpx.get(status_url).json()["data"]
    for name in ("dr", "performance"):
        assert after[name].get("last_reindex_epoch") == before[name].get("last_reindex_epoch")
        assert not after[name].get("reindex_in_progress")
