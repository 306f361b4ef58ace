"""``replcheck cleanup`` against a real Vault-lineage token store and ACL (OpenBao).

A run killed with SIGKILL cannot clean up: its two policies and two tokens stay, marked with
its run id, and ``replcheck cleanup`` finds and removes them (``--dry-run`` only lists them).
Leftovers made by hand, as a run makes them, show the rest: ``--run-id`` keeps to one run, a
user's policy that only looks like a run's is left alone, older tokens without the run-id
metadata are found by display name, and the exit status says what happened (0 cleaned or
nothing to clean, 1 something could not be removed, 2 no cleanup could be made).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from asgi_serving import serve_asgi
from interrupt_support import SignallingProxy, console_script, finish, forwarding_app, nth
from interrupt_support import start_cli as start_run
from openbao_support import OpenBaoServer
from test_openbao_cleanup import ENTERPRISE_STATUS, RUN, _inventory

from replcheck.conformance.provisioning.provision import (
    NO_UPDATE_POLICY,
    NON_SUDO_POLICY,
    RUN_ID_META,
)


def cleanup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``replcheck cleanup ARGS`` (the console script), with no VAULT_* variable but ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    return subprocess.run(
        [console_script(), "cleanup", *args],
        capture_output=True, text=True, timeout=120, env={**base, **(env or {})}, check=False,
    )  # fmt: skip


def _api(bao: OpenBaoServer, method: str, path: str, token: str = "", **kwargs: object) -> dict:
    answer = httpx.request(
        method,
        f"{bao.url}/v1/{path}",
        headers={"X-Vault-Token": token or bao.root_token},
        **kwargs,  # type: ignore[arg-type]
    )
    assert answer.status_code in (200, 204), (method, path, answer.text)
    return answer.json() if answer.status_code == 200 else {}


def _leave(bao: OpenBaoServer, run_id: str, kind: str, *, meta: bool = True) -> str:
    """What a killed run leaves of one kind, made as a run makes it; the token's accessor."""
    name = f"replcheck-{run_id}-{kind}"
    rules = NON_SUDO_POLICY if kind == "non-sudo" else NO_UPDATE_POLICY
    _api(bao, "PUT", f"sys/policies/acl/{name}", json={"policy": rules})
    request: dict[str, object] = {
        "policies": [name], "no_default_policy": True, "ttl": "30m", "display_name": name,
    }  # fmt: skip
    if meta:
        request["meta"] = {RUN_ID_META: run_id}
    made = _api(bao, "POST", "auth/token/create", json=request)
    return str(made["auth"]["accessor"])


def _run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture
def clean(openbao: OpenBaoServer) -> Iterator[OpenBaoServer]:
    """The shared OpenBao, with what the test leaves removed after it (policies by prefix)."""
    before = _inventory(openbao)
    yield openbao
    policies, accessors = _inventory(openbao)
    for accessor in accessors - before[1]:
        httpx.post(
            f"{openbao.url}/v1/auth/token/revoke-accessor",
            json={"accessor": accessor},
            headers={"X-Vault-Token": openbao.root_token},
        )
    for name in policies - before[0]:
        httpx.delete(
            f"{openbao.url}/v1/sys/policies/acl/{name}",
            headers={"X-Vault-Token": openbao.root_token},
        )


def test_cleanup_removes_what_a_sigkilled_run_left(clean: OpenBaoServer) -> None:
    bao = clean
    before = _inventory(bao)
    proxy = SignallingProxy(
        forwarding_app(bao.url, ENTERPRISE_STATUS),
        nth(30, None, "/sys/replication/"),
        signals=(signal.SIGKILL,),
    )
    with serve_asgi(proxy) as url:
        process = start_run("--url", url, *RUN, "--profile", "full")
        proxy.pid = process.pid
        done = finish(process)
    assert done.code == -signal.SIGKILL, done.out[-2000:]
    run_id = re.search(r"run id ([0-9a-f]{8})", done.out)
    assert run_id, done.out[-2000:]
    policies, accessors = _inventory(bao)
    left = policies - before[0]
    assert left == {f"replcheck-{run_id[1]}-non-sudo", f"replcheck-{run_id[1]}-no-update"}
    assert len(accessors - before[1]) == 2
    for accessor in accessors - before[1]:  # each token carries the run id and a short TTL
        token = _api(bao, "POST", "auth/token/lookup-accessor", json={"accessor": accessor})
        assert token["data"]["meta"] == {RUN_ID_META: run_id[1]}
        assert 0 < token["data"]["ttl"] <= 30 * 60

    listed = cleanup("--url", bao.url, "--token", "root", "--dry-run")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("would remove the token ") == 2
    assert listed.stdout.count("would remove the policy ") == 2
    assert "found 2 token(s) and 2 policy(ies) left by 1 run(s)" in listed.stdout
    assert _inventory(bao) == (policies, accessors)  # --dry-run removed nothing

    removed = cleanup("--url", bao.url, "--token", "root")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.splitlines()[-1].startswith(
        "replcheck cleanup: removed 2 token(s) and 2 policy(ies) left by 1 run(s) from "
    )
    assert _inventory(bao) == before

    again = cleanup("--url", bao.url, "--token", "root")
    assert again.returncode == 0
    assert again.stdout == f"replcheck cleanup: nothing to clean up on {bao.url}\n"


def test_vault_variables_run_id_look_alikes_and_tokens_from_before_the_metadata(
    clean: OpenBaoServer,
) -> None:
    bao = clean
    mine, other, older = _run_id(), _run_id(), _run_id()
    for kind in ("non-sudo", "no-update"):
        _leave(bao, mine, kind)
        _leave(bao, other, kind)
    old_token = _leave(bao, older, "non-sudo", meta=False)
    look_alike = f"replcheck-{_run_id()}-non-sudo"
    _api(bao, "PUT", f"sys/policies/acl/{look_alike}", json={"policy": NO_UPDATE_POLICY})

    env = {"VAULT_ADDR": bao.url, "VAULT_TOKEN": "root"}
    only_mine = cleanup("--run-id", mine, env=env)
    assert only_mine.returncode == 0, only_mine.stderr
    assert "removed 2 token(s) and 2 policy(ies) left by 1 run(s)" in only_mine.stdout
    policies, accessors = _inventory(bao)
    assert not any(mine in name for name in policies)
    assert {f"replcheck-{other}-non-sudo", f"replcheck-{other}-no-update"} <= policies

    everything = cleanup(env=env)
    assert everything.returncode == 0, everything.stderr
    assert f"left alone: the policy {look_alike} is named like a run's" in everything.stdout
    assert f"the token token-replcheck-{older}-non-sudo (run {older}, accessor {old_token})" in (
        everything.stdout
    )
    assert "removed 3 token(s) and 3 policy(ies) left by 2 run(s)" in everything.stdout
    policies, accessors = _inventory(bao)
    assert look_alike in policies  # a user's policy, not a run's
    assert not any(older in name or other in name for name in policies)
    assert old_token not in accessors


def test_what_cannot_be_removed_is_named_with_the_command_and_exits_1(
    clean: OpenBaoServer,
) -> None:
    """A token that may list and look everything up but not delete policies."""
    bao = clean
    run_id = _run_id()
    _leave(bao, run_id, "no-update")
    rules = (
        'path "sys/policies/acl" { capabilities = ["list"] }\n'
        'path "sys/policies/acl/*" { capabilities = ["read"] }\n'
        'path "auth/token/accessors" { capabilities = ["list", "sudo"] }\n'
        'path "auth/token/lookup-accessor" { capabilities = ["update"] }\n'
        'path "auth/token/revoke-accessor" { capabilities = ["update"] }\n'
        'path "auth/token/lookup-self" { capabilities = ["read"] }\n'
    )
    limited = f"cleanup-test-{run_id}"
    _api(bao, "PUT", f"sys/policies/acl/{limited}", json={"policy": rules})
    token = _api(bao, "POST", "auth/token/create", json={"policies": [limited], "ttl": "5m"})
    done = cleanup("--url", bao.url, "--token", token["auth"]["client_token"], "--run-id", run_id)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"by hand: vault policy delete replcheck-{run_id}-no-update" in done.stderr
    assert "removed 1 token(s) and 0 policy(ies) left by 1 run(s)" in done.stdout
    assert "; 1 could not be removed" in done.stdout
    assert token["auth"]["client_token"] not in done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_cleanup_can_be_made_exit_2_in_one_sentence(clean: OpenBaoServer) -> None:
    bao = clean
    # A token that may not list the token accessors (no sudo there).
    _api(bao, "PUT", "sys/policies/acl/cleanup-test-no-sudo", json={
        "policy": 'path "sys/policies/acl" { capabilities = ["list"] }\n'
                  'path "auth/token/accessors" { capabilities = ["list"] }\n',
    })  # fmt: skip
    no_sudo = _api(
        bao, "POST", "auth/token/create", json={"policies": ["cleanup-test-no-sudo"], "ttl": "5m"}
    )["auth"]["client_token"]
    cases = {
        "no url": ((), "no --url (nor VAULT_ADDR)"),
        "no token": (("--url", bao.url), "no --token (nor VAULT_TOKEN)"),
        "unknown token": (("--url", bao.url, "--token", "not-a-token"), "was refused"),
        "no sudo": (("--url", bao.url, "--token", no_sudo), "cannot list the token accessors"),
        "unreachable": (
            ("--url", f"http://127.0.0.1:{_free_port()}", "--token", "root"), "127.0.0.1"
        ),
        "bad run id": (("--url", bao.url, "--token", "root", "--run-id", "xyz"), "--run-id"),
    }
    for name, (args, said) in cases.items():
        done = cleanup(*args)
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and said in done.stderr, (name, done.stderr)
        assert done.stderr.startswith("replcheck cleanup: error: "), (name, done.stderr)
        assert "Traceback" not in done.stderr and no_sudo not in done.stderr
