"""Against a real Vault-lineage server without replication (OpenBao): UNSUPPORTED, exit 1, zero
failures, nothing left behind; its token store is the referee of the preflight."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openbao_support import OpenBaoServer

from replcheck.conformance.cli import main
from replcheck.conformance.provisioning.preflight import token_problem
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.transport.client import Credential, RecordingClient
from replcheck.conformance.transport.masking import Masker


def _policies(bao: OpenBaoServer) -> set[str]:
    answer = httpx.request(
        "LIST", bao.url + "/v1/sys/policies/acl", headers={"X-Vault-Token": bao.root_token}
    )
    return set(answer.json()["data"]["keys"])


def _accessors(bao: OpenBaoServer) -> set[str]:
    answer = httpx.request(
        "LIST", bao.url + "/v1/auth/token/accessors", headers={"X-Vault-Token": bao.root_token}
    )
    return set(answer.json()["data"]["keys"])


@pytest.mark.parametrize("profile", ["safe", "full"])
def test_replcheck_run_says_unsupported_with_zero_failures(
    openbao: OpenBaoServer, profile: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (_policies(openbao), _accessors(openbao))
    report = tmp_path / "report.json"
    code = main(
        ["run", "--url", openbao.url, "--token", openbao.root_token, "--profile", profile,
         "--seed", "4", "--max-examples", "3", "--json", str(report)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1, out[-3000:]
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["edition"] == "replication API absent"
    assert document["verdict"] == "unsupported"
    assert [r["id"] for r in document["requirements"] if r["outcome"] == "failed"] == []
    sentence = document["verdict_sentence"]
    assert sentence.startswith("UNSUPPORTED: GET /v1/sys/replication/status answered 404")
    assert "no replication API" in sentence and sentence in out
    assert (_policies(openbao), _accessors(openbao)) == before  # nothing left behind


def test_a_wrong_token_against_openbao_exits_2(
    openbao: OpenBaoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--url", openbao.url, "--token", "wrong", "--seed", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert [line for line in err.splitlines() if line.strip()] == [
        "replcheck run: error: the --token was refused by the target (GET "
        "/v1/auth/token/lookup-self answered 403 permission denied): it is invalid, expired or "
        "revoked; pass a valid token"
    ]


def test_preflight_tells_a_wrong_token_from_one_without_lookup_rights(
    openbao: OpenBaoServer,
) -> None:
    """OpenBao answers both with 403; the ACL layer's answer is wrapped, the token check's not."""
    root = {"X-Vault-Token": openbao.root_token}
    policy = 'path "sys/replication/*" { capabilities = ["update"] }'
    httpx.put(f"{openbao.url}/v1/sys/policies/acl/sv-preflight", headers=root,
              json={"policy": policy})  # fmt: skip
    created = httpx.post(
        f"{openbao.url}/v1/auth/token/create",
        headers=root,
        json={"policies": ["sv-preflight"], "no_default_policy": True, "ttl": "5m"},
    )
    limited = httpx.post(
        f"{openbao.url}/v1/auth/token/create",
        headers=root,
        json={"policies": ["default"], "num_uses": 5, "ttl": "5m"},
    )
    valid = created.json()["auth"]["client_token"]
    few_uses = limited.json()["auth"]["client_token"]
    settings = Settings(url=openbao.url)
    with RecordingClient(settings, openbao.url, Masker(), plan=False) as client:
        assert token_problem(client, Credential(openbao.root_token)) is None
        assert token_problem(client, Credential(valid)) is None
        assert "invalid, expired or revoked" in (token_problem(client, Credential("wrong")) or "")
        assert "used only 4 more time(s)" in (token_problem(client, Credential(few_uses)) or "")
    for token in (valid, few_uses):
        httpx.post(f"{openbao.url}/v1/auth/token/revoke", headers=root, json={"token": token})
    httpx.delete(f"{openbao.url}/v1/sys/policies/acl/sv-preflight", headers=root)


def test_the_pytest_plugin_says_unsupported_with_zero_failures(
    openbao: OpenBaoServer, pytester: pytest.Pytester
) -> None:
    before = (_policies(openbao), _accessors(openbao))
    report = pytester.path / "replcheck.json"
    result = pytester.runpytest_subprocess(
        "--pyargs", "replcheck.conformance.suite", "--vault-addr", openbao.url,
        "--vault-token", openbao.root_token, "--replcheck-seed", "4",
        "--replcheck-max-examples", "3", "--replcheck-json", str(report),
        "-p", "no:cacheprovider",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert result.ret == 1, result.stdout.str()[-3000:]
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0
    result.stdout.fnmatch_lines(["UNSUPPORTED: GET /v1/sys/replication/status answered 404*"])
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["edition"] == "replication API absent"
    assert (_policies(openbao), _accessors(openbao)) == before
