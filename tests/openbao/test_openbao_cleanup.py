"""Against a real Vault-lineage server (OpenBao), ``replcheck run --token root --provision``
leaves no policy and no token behind: after a whole run, and after Ctrl-C, SIGTERM and SIGHUP at
several moments (a token's create answer in flight, between policy writes, fuzzing, checks; three
quick Ctrl-C; the run's terminal closed under it).

Policies are listed with ``sys/policies/acl?list=true`` and tokens with
``auth/token/accessors?list=true``, before and after, on OpenBao itself. Only cleanup and exit
codes are asserted here, not the verdict. OpenBao has no replication API, so for the moments
inside fuzzing and checks a forwarding proxy answers ``sys/replication/status`` with an
Enterprise sample: the whole suite then runs against OpenBao's real token store and ACLs.
"""

from __future__ import annotations

import json
import signal

import httpx
import pytest
from asgi_serving import serve_asgi
from interrupt_support import (
    SignallingProxy,
    finish,
    finish_on_terminal,
    forwarding_app,
    nth,
    start_cli,
    start_cli_on_terminal,
)
from openbao_support import OpenBaoServer

from replcheck import spec

ENTERPRISE_STATUS = json.dumps(spec.example("status-dr-perf-primary-2024")).encode()
RUN = (
    "--token", "root", "--provision", "--seed", "7", "--max-examples", "3",
    "--client-timeout", "20s",
)  # fmt: skip


def _inventory(bao: OpenBaoServer) -> tuple[set[str], set[str]]:
    """(policies, token accessors) as OpenBao lists them."""
    root = {"X-Vault-Token": bao.root_token}
    policies = httpx.get(f"{bao.url}/v1/sys/policies/acl", params={"list": "true"}, headers=root)
    accessors = httpx.get(
        f"{bao.url}/v1/auth/token/accessors", params={"list": "true"}, headers=root
    )
    assert policies.status_code == 200 and accessors.status_code == 200
    return set(policies.json()["data"]["keys"]), set(accessors.json()["data"]["keys"])


def test_a_run_against_openbao_itself_provisions_nothing(openbao: OpenBaoServer) -> None:
    """No replication API (404 on status): the verdict is UNSUPPORTED before any provisioning."""
    before = _inventory(openbao)
    done = finish(start_cli("--url", openbao.url, *RUN))
    assert done.code == 1, (done.out[-3000:], done.err[-2000:])
    assert "Traceback" not in done.out + done.err
    assert _inventory(openbao) == before
    assert "provisioned" not in done.out


def test_a_whole_run_leaves_no_policy_or_token(openbao: OpenBaoServer) -> None:
    """Through a proxy that answers status like Enterprise, the whole suite runs against
    OpenBao's token store and ACLs, provisions, and removes what it made."""
    before = _inventory(openbao)
    with serve_asgi(forwarding_app(openbao.url, ENTERPRISE_STATUS)) as url:
        done = finish(start_cli("--url", url, *RUN))
    assert done.code in (1, 2), (done.out[-3000:], done.err[-2000:])
    assert "Traceback" not in done.out + done.err
    assert _inventory(openbao) == before
    assert "cleanup: revoked the token" in done.out


MOMENTS = {
    # (the trigger's arguments, -k expression or None for the whole run)
    "first token create in flight": ((1, "POST", "/auth/token/create"), None),
    "second policy write": ((2, "PUT", "/sys/policies/acl/"), None),
    "second token create in flight": ((2, "POST", "/auth/token/create"), None),
    "fuzzing": ((8, None, "/sys/replication/"), "SCHEMA-RESPONSES"),
    "checks": ((30, None, "/sys/replication/"), None),
}


#: Every moment with one Ctrl-C; two of them also with three (one, then two during cleanup).
TRIALS = [(moment, 1) for moment in MOMENTS] + [
    ("second token create in flight", 3),
    ("checks", 3),
]


@pytest.mark.parametrize(("moment", "presses"), TRIALS, ids=[f"{m}, {n} Ctrl-C" for m, n in TRIALS])
def test_ctrl_c_leaves_no_policy_or_token(
    openbao: OpenBaoServer, moment: str, presses: int
) -> None:
    trigger, keyword = MOMENTS[moment]
    before = _inventory(openbao)
    proxy = SignallingProxy(
        forwarding_app(openbao.url, ENTERPRISE_STATUS),
        nth(*trigger),
        during_cleanup=(signal.SIGINT,) * (presses - 1),
    )
    with serve_asgi(proxy) as url:
        args = ["--url", url, *RUN, "--profile", "full"]
        process = start_cli(*args, *(["-k", keyword] if keyword else []))
        proxy.pid = process.pid
        done = finish(process)
    assert proxy.fired_at is not None, done.out[-2000:]
    assert done.code == 130, (done.out[-3000:], done.err[-2000:])
    assert proxy.not_cleanup_after_signal() == []
    assert _inventory(openbao) == before, done.out[-3000:]
    assert "Traceback" not in done.out + done.err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_sigterm_and_sighup_leave_no_policy_or_token(
    openbao: OpenBaoServer, moment: str, signum: int
) -> None:
    trigger, keyword = MOMENTS[moment]
    before = _inventory(openbao)
    proxy = SignallingProxy(
        forwarding_app(openbao.url, ENTERPRISE_STATUS), nth(*trigger), signals=(signum,)
    )
    with serve_asgi(proxy) as url:
        args = ["--url", url, *RUN, "--profile", "full"]
        process = start_cli(*args, *(["-k", keyword] if keyword else []))
        proxy.pid = process.pid
        done = finish(process)
    assert proxy.fired_at is not None, done.out[-2000:]
    assert done.code == 128 + signum, (done.out[-3000:], done.err[-2000:])
    assert proxy.not_cleanup_after_signal() == []
    assert _inventory(openbao) == before, done.out[-3000:]
    assert "Traceback" not in done.out + done.err


def test_a_closed_terminal_leaves_no_policy_or_token(openbao: OpenBaoServer) -> None:
    """The terminal the run shows its progress on is closed during the checks: SIGHUP from the
    kernel, and every later write fails; the run still removes what it made, and exits 129."""
    before = _inventory(openbao)
    proxy = SignallingProxy(
        forwarding_app(openbao.url, ENTERPRISE_STATUS), nth(*MOMENTS["checks"][0]), signals=()
    )
    with serve_asgi(proxy) as url:
        process, terminal = start_cli_on_terminal("--url", url, *RUN, "--profile", "full")
        proxy.pid, proxy.on_trigger = process.pid, terminal.hang_up
        done = finish_on_terminal(process, terminal)
    assert proxy.fired_at is not None, done.out[-2000:]
    assert done.code == 129, done.out[-3000:]
    assert proxy.not_cleanup_after_signal() == []
    assert _inventory(openbao) == before, done.out[-3000:]
