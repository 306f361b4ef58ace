"""The gate's promises against a real Vault-lineage server (OpenBao 2.7.2, Vault 1.14's token
store and ACL): the safe profile writes nothing, and what a token may do is read from
``sys/capabilities-self`` as Vault answers it.

OpenBao has no replication API; where the whole suite must run against its ACL, a forwarding
proxy answers ``sys/replication/status`` with an Enterprise sample and passes every other request
to OpenBao as it came.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from asgi_serving import serve_asgi
from interrupt_support import forwarding_app
from openbao_support import OpenBaoServer

from replcheck import spec
from replcheck.conformance.cli import main
from replcheck.conformance.provisioning.preflight import capabilities, capability_shortfalls
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.masking import Masker

ENTERPRISE_STATUS = json.dumps(spec.example("status-dr-perf-primary-2024")).encode()
#: The capabilities a whole run asks of the sudo token on reindex (see docs/profiles.md).
REINDEX = "sys/replication/reindex"


def _counts(bao: OpenBaoServer) -> tuple[int, int]:
    """(policies, token accessors), as an operator would count them on OpenBao."""
    root = {"X-Vault-Token": bao.root_token}
    policies = httpx.request("LIST", f"{bao.url}/v1/sys/policies/acl", headers=root)
    accessors = httpx.request("LIST", f"{bao.url}/v1/auth/token/accessors", headers=root)
    assert policies.status_code == accessors.status_code == 200
    return len(policies.json()["data"]["keys"]), len(accessors.json()["data"]["keys"])


def _token_with(bao: OpenBaoServer, name: str, policy: str) -> str:
    root = {"X-Vault-Token": bao.root_token}
    written = httpx.put(
        f"{bao.url}/v1/sys/policies/acl/{name}", headers=root, json={"policy": policy}
    )
    assert written.status_code == 204
    created = httpx.post(
        f"{bao.url}/v1/auth/token/create", headers=root, json={"policies": [name], "ttl": "10m"}
    )
    return str(created.json()["auth"]["client_token"])


def _recording(upstream: str, seen: list[str]) -> Any:
    """The Enterprise-status proxy, noting every request's method and path."""
    inner = forwarding_app(upstream, ENTERPRISE_STATUS)

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(f"{scope['method']} {scope['path']}")
        await inner(scope, receive, send)

    return app


def test_the_safe_profile_leaves_no_new_policy_or_token(
    openbao: OpenBaoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole suite against OpenBao's ACL with its root token, safe profile: 0 new policies
    and 0 new token accessors, and no request that could make one was sent."""
    seen: list[str] = []
    before = _counts(openbao)
    with serve_asgi(_recording(openbao.url, seen)) as url:
        code = main(["run", "--url", url, "--token", openbao.root_token, "--seed", "3",
                     "--max-examples", "2"])  # fmt: skip
    out = capsys.readouterr().out
    assert code in (0, 1), out[-3000:]  # OpenBao's reindex/recover 404s may fail requirements
    assert _counts(openbao) == before
    writes = [s for s in seen if "/sys/policies/" in s or "/auth/token/create" in s]
    assert writes == []
    assert "provisioned" not in out
    assert "safe profile, strict off" in out and "--provision or --non-sudo-token T (2)" in out


def test_provision_makes_and_removes_only_what_the_selected_checks_need(
    openbao: OpenBaoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []
    before = _counts(openbao)
    with serve_asgi(_recording(openbao.url, seen)) as url:
        main(["run", "--url", url, "--token", openbao.root_token, "--provision",
              "-k", "REINDEX-SUDO and not PATH", "--seed", "3"])  # fmt: skip
    out = capsys.readouterr().out
    assert _counts(openbao) == before
    assert [s for s in seen if s.startswith("PUT /v1/sys/policies/acl/")] == [
        next(s for s in seen if s.endswith("-non-sudo"))
    ]  # one policy, for the non-sudo token; no no-update token: nothing selected needs it
    assert "provisioned 1 token(s) and 1 policy(ies)" in out


def test_capabilities_self_as_openbao_answers_it_names_the_missing_sudo(
    openbao: OpenBaoServer,
) -> None:
    """The preflight's reading of Vault's real answer: a root token has everything; a policy
    without sudo lacks sudo on reindex, and only that when the rest is granted."""
    without_sudo = _token_with(
        openbao, "gate-no-sudo", 'path "sys/replication/*" { capabilities = ["create", "read", '
        '"update", "delete", "list", "patch"] }',
    )  # fmt: skip
    needs = {REINDEX: ("update", "sudo"), "sys/replication/reindex/": ("list",)}
    with RecordingClient(Settings(url=openbao.url), openbao.url, Masker(), plan=False) as client:
        root = capabilities(client, Credential(openbao.root_token), list(needs))
        assert root == {REINDEX: ["root"], "sys/replication/reindex/": ["root"]}
        assert capability_shortfalls(root, needs) == []
        granted = capabilities(client, Credential(without_sudo), list(needs))
        (shortfall,) = capability_shortfalls(granted, needs)
    assert shortfall.words() == f"sudo on {REINDEX}"
    assert shortfall.granted == ["create", "delete", "list", "patch", "read", "update"]


def test_a_token_without_sudo_stops_the_run_naming_sudo(
    openbao: OpenBaoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the Enterprise-status proxy (so the run needs the replication paths): exit 2
    naming sudo, before any check. Against OpenBao itself (no replication API) the same token
    gives UNSUPPORTED as before: nothing would be sent to reindex, so nothing is asked."""
    token = _token_with(
        openbao, "gate-crud", 'path "sys/replication/*" { capabilities = ["create", "read", '
        '"update"] }',
    )  # fmt: skip
    with serve_asgi(forwarding_app(openbao.url, ENTERPRISE_STATUS)) as url:
        code = main(["run", "--url", url, "--token", token, "--seed", "3"])
    captured = capsys.readouterr()
    assert code == 2, captured.out[-3000:]
    (line,) = [line for line in captured.err.splitlines() if line.strip()]
    assert line.startswith(
        "replcheck run: error: the token given with --token lacks sudo, delete and patch on "
        f"{REINDEX} (it has create, read, update there), which "
    )
    assert "passed" not in captured.out and "FAILED" not in captured.out
    code = main(["run", "--url", openbao.url, "--token", token, "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 1 and "UNSUPPORTED" in out
