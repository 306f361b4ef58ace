"""Real clients drive a started topology, and ``replcheck serve --topology`` as a process.

The ``bao`` CLI (OpenBao's, the same generic ``read``/``write`` requests as ``vault``) sets a
DR pair up by hand on clusters started unlinked, writes on the primary, fails over (demote, a
DR operation token from the printed unseal key, promote, update-primary) and back; hvac's
generic ``write``/``read`` calls do the same set-up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import hvac
import pytest
from openbao_support import bao_binary
from topology_clusters import decode_token

from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.network import NetworkSettings
from replcheck.reference_server.topology.runtime import TopologyServer

FAST = NetworkSettings(lag_seconds=0.05, merkle_diff_seconds=0.05, merkle_sync_seconds=0.05)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def dr_pair() -> Iterator[TopologyServer]:
    with TopologyServer(load("dr-pair"), link=False, settings=FAST) as running:
        yield running


class Bao:
    """``bao`` against one cluster of the topology."""

    def __init__(self, address: str, home: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        self.env.update(BAO_ADDR=address, BAO_TOKEN="root", HOME=str(home))

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([bao_binary(), *args], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, f"bao {' '.join(args)}: {done.stderr}"
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self(args[0], "-format=json", *args[1:]).stdout)

    def section(self) -> dict[str, Any]:
        data: dict[str, Any] = self.json("read", "sys/replication/dr/status")["data"]
        return data

    def operation_token(self, unseal_key: str) -> str:
        """Generate a DR operation token with the key share the banner prints."""
        base = "sys/replication/dr/secondary/generate-operation-token"
        attempt = self.json("write", "-f", f"{base}/attempt")["data"]
        update = self.json("write", f"{base}/update", f"key={unseal_key}",
                           f"nonce={attempt['nonce']}")["data"]
        # ``bao operator generate-root -decode`` asks the server for the OTP length first, at a
        # path a DR secondary refuses; the decoding is the XOR it would do.
        return decode_token(update["encoded_token"], attempt["otp"])

    def activation_token(self, secondary_id: str) -> str:
        answer = self.json("write", "sys/replication/dr/primary/secondary-token",
                           f"id={secondary_id}")
        token: str = answer["wrap_info"]["token"]
        return token


def _caught_up(secondary: Bao, primary: Bao, *, wal: bool = True) -> Callable[[], bool]:
    """Streaming with the primary's root; with ``wal``, also at the primary's WAL index (only
    after a write: right after bootstrap ``last_remote_wal`` is 0)."""
    def check() -> bool:
        s, p = secondary.section(), primary.section()
        return (s.get("state") == "stream-wals" and s["merkle_root"] == p["merkle_root"]
                and (not wal or s.get("last_remote_wal") == p["last_dr_wal"]))
    return check


def test_bao_sets_up_a_dr_pair_fails_over_and_back(dr_pair: TopologyServer,
                                                   tmp_path: Path) -> None:
    one = Bao(dr_pair.url("primary"), tmp_path)
    two = Bao(dr_pair.url("secondary"), tmp_path)
    unseal_key = dr_pair.core("primary").unseal_keys[0]

    one("write", "-f", "sys/replication/dr/primary/enable")
    two("write", "sys/replication/dr/secondary/enable", f"token={one.activation_token('two')}")
    _wait(_caught_up(two, one, wal=False), "the secondary to stream")
    one("write", "secret/app", "password=s3cret")
    _wait(_caught_up(two, one), "the write to reach the secondary")
    assert dr_pair.core("secondary").node.kv["app"] == {"password": "s3cret"}

    # Failover: demote one, promote two with a DR operation token, point one at two.
    one("write", "-f", "sys/replication/dr/primary/demote")
    two("write", "sys/replication/dr/secondary/promote",
        f"dr_operation_token={two.operation_token(unseal_key)}")
    assert two.section()["mode"] == "primary"
    assert two.json("read", "secret/app")["data"] == {"password": "s3cret"}
    one("write", "sys/replication/dr/secondary/update-primary",
        f"dr_operation_token={one.operation_token(unseal_key)}",
        f"token={two.activation_token('one')}")
    _wait(_caught_up(one, two, wal=False), "the old primary to stream from the new one")
    two("write", "secret/after", "k=v")
    _wait(_caught_up(one, two), "the new primary's write to reach the old one")
    assert one.section()["secondary_id"] == "one"

    # And back.
    two("write", "-f", "sys/replication/dr/primary/demote")
    one("write", "sys/replication/dr/secondary/promote",
        f"dr_operation_token={one.operation_token(unseal_key)}")
    two("write", "sys/replication/dr/secondary/update-primary",
        f"dr_operation_token={two.operation_token(unseal_key)}",
        f"token={one.activation_token('two')}")
    _wait(_caught_up(two, one, wal=False), "the pair to stream in its first direction again")
    assert one.json("read", "secret/after")["data"] == {"k": "v"}
    one("delete", "secret/after")
    _wait(_caught_up(two, one), "the delete to reach the secondary")
    assert "after" not in dr_pair.core("secondary").node.kv
    assert one.section()["cluster_id"] == two.section()["cluster_id"]


def test_hvac_sets_up_a_dr_pair_with_generic_calls(dr_pair: TopologyServer) -> None:
    one = hvac.Client(url=dr_pair.url("primary"), token="root")
    two = hvac.Client(url=dr_pair.url("secondary"), token="root")
    one.write("sys/replication/dr/primary/enable")
    answer = one.write("sys/replication/dr/primary/secondary-token", id="two")
    two.write("sys/replication/dr/secondary/enable", token=answer["wrap_info"]["token"])
    one.write("secret/app", password="s3cret")

    def caught_up() -> bool:
        s = two.read("sys/replication/dr/status")["data"]
        p = one.read("sys/replication/dr/status")["data"]
        return s.get("state") == "stream-wals" and s["merkle_root"] == p["merkle_root"]

    _wait(caught_up, "hvac's write to reach the secondary")
    assert one.read("secret/app")["data"] == {"password": "s3cret"}
    status = one.read("sys/replication/dr/status")["data"]
    assert status["known_secondaries"] == ["two"]


# --- replcheck serve --topology ---------------------------------------------------------------


def _free_base_port(count: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count > 65535:
            continue
        free = True
        for port in range(base, base + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    free = False
                    break
        if free:
            return base
    raise AssertionError("no free run of ports")


def _serve(*flags: str) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("replcheck")
    return subprocess.Popen(
        [str(script), "serve", *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _banner(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("    $ export VAULT_ADDR"):
            break
    return lines


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_serve_topology_starts_links_and_stops_on_a_signal(signum: int, status: int) -> None:
    base = _free_base_port(6)
    process = _serve("--topology", "six-cluster", "--port", str(base))
    try:
        banner = _banner(process)
        text = "\n".join(banner)
        for index, name in enumerate("ABCDEF"):
            assert f"Cluster {name}:" in text
            assert f"Api Address: http://127.0.0.1:{base + index}" in text
        assert "Cluster B: dr secondary of A (id 'B')" in text
        assert text.count("Root Token: root") == 6 and text.count("Unseal Key: ") == 6
        d = httpx.get(f"http://127.0.0.1:{base + 3}/v1/sys/replication/dr/status").json()
        assert d["data"]["mode"] == "secondary" and d["data"]["secondary_id"] == "D"
    finally:
        process.send_signal(signum)
        assert process.wait(timeout=15) == status


@pytest.mark.parametrize(("flags", "sentence"), [
    (("--topology", "nope"), "unknown topology 'nope'"),
    (("--topology", "dr-pair", "--fault", "partition@nobody"), "--fault"),
    (("--topology", "dr-pair", "--state", "disabled"),
     "--state sets up one cluster and cannot be used with --topology"),
    (("--fault", "partition@secondary"), "--fault needs --topology"),
])
def test_serve_topology_bad_input_is_one_sentence(flags: tuple[str, ...], sentence: str) -> None:
    process = _serve(*flags)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert sentence in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_serve_topology_reports_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve("--topology", "dr-pair", "--port", str(port))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "cannot listen" in err
