"""Provisioning only when asked (``--provision`` or the full profile) and only what a selected
check needs; a token that may not provision stops the run (exit 2); provisioned tokens and
policies are gone after a run: normally, on an error, on Ctrl-C."""

from __future__ import annotations

import httpx
import pytest
from suite_support import ROOT_TOKEN, settings_for

from replcheck.conformance.checks import registry
from replcheck.conformance.checks.registry import Check
from replcheck.conformance.engine.aborted import RunAborted
from replcheck.conformance.engine.runner import run
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.transport.masking import NO_UPDATE_LABEL, NON_SUDO_LABEL
from replcheck.reference_server.embedded import EmbeddedServer


def _provisioned(seen: dict[str, str]) -> list[str]:
    return [t for t, label in seen.items() if label in (NON_SUDO_LABEL, NO_UPDATE_LABEL)]


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
    assert len(tokens) == 1  # REINDEX-SUDO needs the non-sudo token only
    _assert_clean(reference.url, tokens)


def _counts(server: EmbeddedServer) -> tuple[int, int]:
    """Policies and tokens on the reference server (it has no LIST auth/token/accessors; the
    OpenBao tests count accessors)."""
    root = {"X-Vault-Token": ROOT_TOKEN}
    policies = httpx.request("LIST", f"{server.url}/v1/sys/policies/acl", headers=root)
    assert policies.status_code == 200
    return len(policies.json()["data"]["keys"]), len(server.app.state.vault.tokens)


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"profile": "safe"}, "no --provision"),
        ({"profile": "full", "keyword": "STATUS-SCHEMA"}, "no check needs it"),
        ({"profile": "safe", "provision": True, "keyword": "STATUS"}, "no check needs it"),
    ],
)
def test_nothing_is_provisioned_unless_asked_and_needed(
    reference, secrets_seen, changes: dict, kind: str
) -> None:
    sent: list[str] = []
    before = _counts(reference)
    with_settings = settings_for(reference.url, max_examples=2, **changes)
    from replcheck.conformance.transport import client as client_module

    original = client_module.RecordingClient.send

    def spy(self, method, path, *args, **kwargs):
        sent.append(f"{method} {path}")
        return original(self, method, path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client_module.RecordingClient, "send", spy)
        result = run(with_settings)
    assert result.exit_code == 0, kind
    assert _counts(reference) == before, kind
    assert not _provisioned(secrets_seen), kind
    assert not [s for s in sent if "policies" in s or "token/create" in s], kind
    if kind == "no --provision":
        outcome = result.results["REINDEX-SUDO"]
        assert outcome.outcome is Outcome.NOT_RUN
        assert "provisions nothing without --provision" in outcome.reason
        assert result.unjudged_musts["--provision or --non-sudo-token T"] == [
            "REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS"
        ]
        assert result.unjudged_musts["--provision"] == ["RECOVER-CAPABILITY"]


def test_the_fuzzer_gets_the_helper_tokens_when_the_run_provisions(reference, secrets_seen) -> None:
    """The fuzzer needs no helper token to run, but sends its cases with every credential the
    run has: with provisioning on, both are made for it (and removed)."""
    before = _counts(reference)
    result = run(settings_for(reference.url, keyword="SCHEMA-RESPONSES", max_examples=2))
    assert len(_provisioned(secrets_seen)) == 2
    assert _counts(reference) == before
    labels = {e.purpose.rsplit(", ", 1)[-1] for e in result.exchanges if e.origin}
    assert any("without sudo" in label for label in labels), labels
    unprovisioned = run(
        settings_for(reference.url, keyword="SCHEMA-RESPONSES", max_examples=2, profile="safe")
    )
    assert unprovisioned.exit_code == 0 and len(_provisioned(secrets_seen)) == 2


def test_provision_in_the_safe_profile_judges_the_sudo_checks(reference, secrets_seen) -> None:
    before = _counts(reference)
    result = run(
        settings_for(reference.url, profile="safe", provision=True, keyword="SUDO or CAPABILITY")
    )
    assert result.results["REINDEX-SUDO"].outcome is Outcome.PASSED
    assert result.results["RECOVER-CAPABILITY"].outcome is Outcome.PASSED
    assert len(_provisioned(secrets_seen)) == 2
    assert _counts(reference) == before


def test_without_a_way_to_provision_sudo_checks_are_not_run(reference) -> None:
    """No --token against a URL: nothing can be provisioned; never reported as passed."""
    result = run(settings_for(reference.url, token=None, keyword="SUDO or CAPABILITY"))
    for rid in ("REINDEX-SUDO", "REINDEX-SUDO-PATH-VARIANTS", "RECOVER-CAPABILITY"):
        assert result.results[rid].outcome is Outcome.NOT_RUN
        assert "token" in result.results[rid].reason
    # Nothing was judged at all: no verdict (a CI job whose secret is missing must not pass).
    assert result.verdict == "nothing judged" and result.exit_code == 2


def _token_with(url: str, policy: str, *, default_policy: bool = True) -> str:
    root = {"X-Vault-Token": ROOT_TOKEN}
    name = f"p{abs(hash(policy))}"
    assert httpx.put(
        f"{url}/v1/sys/policies/acl/{name}", headers=root, json={"policy": policy}
    ).status_code in (200, 204)
    created = httpx.post(
        f"{url}/v1/auth/token/create",
        headers=root,
        json={"policies": [name], "no_default_policy": not default_policy},
    )
    return str(created.json()["auth"]["client_token"])


def test_a_token_that_may_not_provision_stops_the_run_before_any_check(reference) -> None:
    """Read from sys/capabilities-self first: exit 2 naming what is missing, nothing judged."""
    token = _token_with(
        reference.url, 'path "sys/replication/*" { capabilities = ["update", "sudo", "read"] }'
    )
    before = _counts(reference)
    with pytest.raises(RunAborted) as raised:
        run(settings_for(reference.url, token=token, keyword="REINDEX-SUDO"))
    message = str(raised.value)
    assert message.startswith(
        "the token given with --token lacks update and sudo on auth/token/create; update and "
        "delete on sys/policies/acl/replcheck-"
    )
    assert "provisioning" in message and "--non-sudo-token" in message
    assert _counts(reference) == before  # no policy written, no token made


def test_a_token_without_sudo_stops_the_run_naming_sudo(reference) -> None:
    """create/read/update on sys/replication/* but no sudo: every reindex check would fail
    with a 403 for the token, not the target; the run stops first (exit 2)."""
    token = _token_with(
        reference.url, 'path "sys/replication/*" { capabilities = ["create", "read", "update"] }'
    )
    with pytest.raises(RunAborted) as raised:
        run(settings_for(reference.url, token=token, profile="safe", keyword="REINDEX"))
    message = str(raised.value)
    assert message.startswith(
        "the token given with --token lacks sudo, delete and patch on sys/replication/reindex "
        "(it has create, read, update there), which REINDEX-INVALID-PARAMETERS, "
    )
    assert "list on sys/replication/reindex/" in message and "-k" in message
    # A selection that sends nothing to reindex with that token does not need sudo there.
    result = run(
        settings_for(reference.url, token=token, profile="safe", keyword="STATUS-SCHEMA")
    )
    assert result.exit_code == 0


def test_a_token_with_what_the_checks_ask_judges_like_root(reference) -> None:
    """The policy docs/profiles.md gives a gate's token: the safe run is conformant."""
    every = '"create", "read", "update", "delete", "list", "patch", "sudo"'
    token = _token_with(reference.url, f'path "sys/replication/*" {{ capabilities = [{every}] }}')
    result = run(settings_for(reference.url, token=token, profile="safe"))
    assert result.exit_code == 0, [
        (rid, r.reason) for rid, r in result.results.items() if r.outcome is Outcome.FAILED
    ]
    assert result.results["REINDEX-METHODS"].outcome is Outcome.PASSED


def test_a_token_that_cannot_create_policies_leaves_sudo_checks_not_run(reference) -> None:
    """A sudo token on sys/replication/* only, whose policies do not even let it read its own
    capabilities, cannot provision: the checks are not run, and the reason says why."""
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


def test_a_non_sudo_token_that_has_sudo_stops_the_run(reference) -> None:
    with pytest.raises(RunAborted) as raised:
        run(settings_for(reference.url, non_sudo_token=ROOT_TOKEN, keyword="REINDEX-SUDO"))
    assert str(raised.value).startswith(
        "the --non-sudo-token has root on sys/replication/reindex, so it cannot show that sudo "
        "is enforced"
    )
    with_sudo = _token_with(
        reference.url, 'path "sys/replication/*" { capabilities = ["update", "sudo"] }'
    )
    with pytest.raises(RunAborted, match="the --non-sudo-token has sudo on "):
        run(settings_for(reference.url, non_sudo_token=with_sudo, keyword="REINDEX-SUDO"))


def test_a_non_sudo_token_without_update_stops_the_run(reference) -> None:
    """Refused for want of update, it would pass REINDEX-SUDO without showing sudo enforced."""
    read_only = _token_with(reference.url, 'path "sys/replication/*" { capabilities = ["read"] }')
    with pytest.raises(RunAborted) as raised:
        run(settings_for(reference.url, non_sudo_token=read_only, keyword="REINDEX-SUDO"))
    assert str(raised.value) == (
        "the --non-sudo-token lacks update on sys/replication/reindex, so the target's refusal "
        "would not show that sudo is enforced (sys/capabilities-self answered read): pass a "
        "token with update but no sudo on sys/replication/*"
    )
    limited = _token_with(reference.url, 'path "sys/replication/*" { capabilities = ["update"] }')
    result = run(settings_for(reference.url, non_sudo_token=limited, keyword="REINDEX-SUDO"))
    assert result.results["REINDEX-SUDO"].outcome is Outcome.PASSED
