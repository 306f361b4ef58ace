"""The pytest plugin provisions too (a policy and a token of each kind, for its session): a
Ctrl-C, SIGTERM or SIGHUP once they exist stops pytest (its "interrupted", exit 2) and leaves
neither policy nor token on the target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from plugin_servers import ROOT_TOKEN, SUITE_ARGS, Served


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
