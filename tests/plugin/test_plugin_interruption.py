"""The pytest plugin provisions too (a policy and a token of each kind, for its session): a
Ctrl-C, SIGTERM or SIGHUP once they exist stops pytest (its "interrupted", exit 2) and leaves
neither policy nor token on the target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from interrupt_support import SignallingProxy, nth
from plugin_servers import ROOT_TOKEN, SUITE_ARGS, Served, _config, read_json

from replcheck.reference_server.embedded import EmbeddedServer


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
def test_a_signal_after_provisioning_leaves_nothing(reference: Served, signum: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "pytest", "--pyargs", "replcheck.conformance.suite",
            "--vault-addr", reference.url, "--vault-token", ROOT_TOKEN,
            "--replcheck-profile", "full", "-q", "-p", "no:randomly", *SUITE_ARGS,
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not reference.leftovers()[0] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reference.leftovers()[0], "the session never provisioned"
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == pytest.ExitCode.INTERRUPTED, (out[-2000:], err[-2000:])
    assert f"RunInterrupted: {signal.Signals(signum).name}" in out
    assert reference.leftovers() == ([], 0), out[-2000:]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_session_stopped_midway_claims_no_verdict(tmp_path: Path, signum: int) -> None:
    """Stopped after some checks passed, the session's summary and JSON report say
    INTERRUPTED, never CONFORMANT on the part that ran (as ``replcheck run`` does)."""
    proxies: list[SignallingProxy] = []

    def wrap(app: Any) -> SignallingProxy:
        proxies.append(SignallingProxy(app, nth(80), signals=(signum,), hold_s=0.2))
        return proxies[-1]

    report = tmp_path / "report.json"
    with EmbeddedServer(_config("dr-perf-primary"), wrap=wrap) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
        process = subprocess.Popen(
            [
                sys.executable, "-m", "pytest", "--pyargs", "replcheck.conformance.suite",
                "--vault-addr", server.url, "--vault-token", server.app.state.vault.root_token,
                "--replcheck-profile", "full", "-q", "-p", "no:randomly", *SUITE_ARGS,
                "--replcheck-json", str(report),
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        proxies[0].pid = process.pid
        out, err = process.communicate(timeout=120)
    assert proxies[0].fired_at is not None, "the session ended before the signal"
    assert process.returncode == pytest.ExitCode.INTERRUPTED, (out[-2000:], err[-2000:])
    section = out[out.index("= replcheck =") :]
    assert "CONFORMANT" not in section, section
    assert f"INTERRUPTED by {signal.Signals(signum).name}" in section, section
    assert read_json(report)["verdict"] == "interrupted"
