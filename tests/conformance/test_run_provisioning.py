"""Provisioned tokens and policies are gone after a run: normally, on an error, on Ctrl-C."""

from __future__ import annotations

import httpx
import pytest
from suite_support import ROOT_TOKEN, settings_for

from replcheck.conformance.checks import registry
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome


def _provisioned(seen: dict[str, str]) -> list[str]:
    return [t for t, label in seen.items() if label != "$VAULT_TOKEN"]


def _assert_clean(url: str, tokens: list[str]) -> None:
    root = {"X-Vault-Token": ROOT_TOKEN}
    listed = httpx.request("LIST", f"{url}/v1/sys/policies/acl", headers=root)
    assert listed.status_code == 200
    assert not [k for k in listed.json()["data"]["keys"] if k.startswith("replcheck-")]
    for token in tokens:
        answer = httpx.get(f"{url}/v1/auth/token/lookup-self", headers={"X-Vault-Token": token})
        assert answer.status_code == 403


def test_a_run_provisions_two_tokens_and_removes_them(reference, secrets_seen) -> None:
    result = run(settings_for(reference.url, keyword="SUDO or CAPABILITY"))
    tokens = _provisioned(secrets_seen)
    assert len(tokens) == 2
    assert result.results["REINDEX-SUDO"].outcome is Outcome.PASSED
    assert result.results["RECOVER-CAPABILITY"].outcome is Outcome.PASSED
    _assert_clean(reference.url, tokens)


def _with_extra_check(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def explode(ctx) -> None:
        ctx.send("POST", "/v1/sys/replication/reindex", "before the crash", credential=ctx.non_sudo)
        raise error

    crashing = Check("REINDEX-SUDO", "explodes", explode, ("non_sudo",), True, "")
    original = registry.registered
    monkeypatch.setattr(registry, "registered", lambda: (*original(), crashing))


def test_cleanup_happens_when_a_check_raises(reference, secrets_seen, monkeypatch) -> None:
    _with_extra_check(monkeypatch, RuntimeError("boom"))
    result = run(settings_for(reference.url, keyword="REINDEX-SUDO"))
    assert result.results["REINDEX-SUDO"].outcome is Outcome.ERROR
    assert "RuntimeError: boom" in result.results["REINDEX-SUDO"].reason
    assert result.exit_code == 2 and result.verdict == "incomplete"
    _assert_clean(reference.url, _provisioned(secrets_seen))


def test_cleanup_happens_on_ctrl_c(reference, secrets_seen, monkeypatch) -> None:
    _with_extra_check(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(settings_for(reference.url, keyword="REINDEX-SUDO"))
    tokens = _provisioned(secrets_seen)
    assert len(tokens) == 2
    _assert_clean(reference.url, tokens)


def test_without_a_way_to_provision_sudo_checks_are_not_run(reference) -> None:
    """No --token against a URL: nothing can be provisioned; never reported as passed."""
    result = run(settings_for(reference.url, token=None, keyword="SUDO or CAPABILITY"))
    for rid in ("REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS", "RECOVER-CAPABILITY"):
        assert result.results[rid].outcome is Outcome.NOT_RUN
        assert "token" in result.results[rid].reason
    # Nothing was judged at all: no verdict (a CI job whose secret is missing must not pass).
    assert result.verdict == "nothing judged" and result.exit_code == 2


def test_a_token_that_cannot_create_policies_leaves_sudo_checks_not_run(reference) -> None:
    """A sudo token on sys/replication/* only cannot provision: the reason says so."""
    root = {"X-Vault-Token": ROOT_TOKEN}
    policy = 'path "sys/replication/*" { capabilities = ["update", "sudo", "read"] }'
    assert httpx.put(
        f"{reference.url}/v1/sys/policies/acl/repl-only", headers=root, json={"policy": policy}
    ).status_code in (200, 204)
    created = httpx.post(
        f"{reference.url}/v1/auth/token/create",
        headers=root,
        json={"policies": ["repl-only"], "no_default_policy": True},
    )
    token = created.json()["auth"]["client_token"]
    result = run(settings_for(reference.url, token=token, keyword="REINDEX-SUDO"))
    outcome = result.results["REINDEX-SUDO"]
    assert outcome.outcome is Outcome.NOT_RUN
    assert "cannot create a policy" in outcome.reason


def test_a_non_sudo_token_that_has_sudo_is_refused(reference) -> None:
    result = run(settings_for(reference.url, non_sudo_token=ROOT_TOKEN, keyword="REINDEX-SUDO"))
    outcome = result.results["REINDEX-SUDO"]
    assert outcome.outcome is Outcome.NOT_RUN
    assert "has sudo" in outcome.reason
