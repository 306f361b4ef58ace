"""The active scenarios' inputs and refusals: the unseal key shares of the targets file, the
``--drill`` flag's usage errors, and a drill that cannot run saying why (never "passed").
What the scenarios judge, both ways, is proven by tests/zoo/test_topology_zoo.py (the reference
sets in the full profile and with the drill pass; the broken sets of the active requirements
fail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replcheck.conformance.cli import main
from replcheck.conformance.judging.outcomes import Outcome
from replcheck.conformance.report.json import render_json
from replcheck.conformance.settings.target import Settings
from replcheck.conformance.settings.values import SettingError
from replcheck.conformance.topology.relations import TopologySettings
from replcheck.conformance.topology.run import run_topology
from replcheck.conformance.topology.targets import ClusterTarget, Targets, from_file
from replcheck.reference_server.topology.definition import load
from replcheck.reference_server.topology.runtime import TopologyServer

FILE = """
unseal_keys_env: LAB_KEYS
clusters:
  one: {url: "http://127.0.0.1:8200"}
"""


def test_the_unseal_key_shares_come_from_the_variable_the_file_names(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(FILE, encoding="utf-8")
    targets = from_file(path, Settings(), {"LAB_KEYS": "k1, k2\nk3"})
    assert targets.unseal_keys == ("k1", "k2", "k3")
    assert "k1" not in repr(targets)
    with pytest.raises(SettingError, match=r"unseal_keys_env names the environment variable "
                                           r"LAB_KEYS, which is not set"):
        from_file(path, Settings(), {})
    path.write_text("unseal_keys_env: 1x\nclusters: {one: {url: 'http://h:1'}}\n",
                    encoding="utf-8")
    with pytest.raises(SettingError, match="unseal_keys_env"):
        from_file(path, Settings(), {"LAB_KEYS": "k"})


@pytest.mark.parametrize(("flags", "words"), [
    (["--drill", "failover", "--embedded"], "--drill fails a replication set over: add --topology"),
    (["--topology", "dr-pair", "--embedded", "--profile", "safe", "--drill", "failover"],
     "--drill failover writes to the set: it runs only with --profile full"),
])
def test_drill_usage_errors_are_one_sentence(flags: list[str], words: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", *flags]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_a_drill_without_key_shares_is_not_run_with_the_reason() -> None:
    with TopologyServer(load("dr-pair")) as server:
        targets = Targets(tuple(
            ClusterTarget(name, Settings(url=c.url, token=c.root_token))
            for name, c in server.runtime.clusters.items()), "test")
        result = run_topology(targets, Settings(profile="full", converge_timeout=2),
                              bounds=TopologySettings(), drill="failover")
        modes = {name: server.core(name).node.roles["dr"].kind for name in ("primary",
                                                                            "secondary")}
    drill = result.results["DR-FAILOVER"]
    assert drill.outcome is Outcome.NOT_RUN
    assert "no unseal key shares were given" in drill.reason
    assert result.results["TOPOLOGY-WRITE-REACHES"].outcome is Outcome.PASSED
    assert modes == {"primary": "primary", "secondary": "secondary"}


def test_the_drill_leaves_no_secret_in_the_reports() -> None:
    """The unseal key shares, the OTPs, the encoded and decoded DR operation tokens and the
    activation tokens are masked in every report, though the answers that held them were
    recorded."""
    with TopologyServer(load("dr-pair")) as server:
        clusters = server.runtime.clusters
        keys = server.core("primary").unseal_keys
        targets = Targets(tuple(
            ClusterTarget(name, Settings(url=c.url, token=c.root_token), "$VAULT_TOKEN")
            for name, c in clusters.items()), "test", unseal_keys=keys)
        result = run_topology(targets, Settings(profile="full", converge_timeout=5),
                              bounds=TopologySettings(), drill="failover")
    assert result.results["DR-FAILOVER"].outcome is Outcome.PASSED
    # The JSON report, and every exchange the run recorded (the HTML report's evidence).
    text = render_json(result) + json.dumps([e.to_dict() for e in result.exchanges])
    for label in ("$UNSEAL_KEY", "$DR_OTP", "$DR_ENCODED_TOKEN", "$DR_OPERATION_TOKEN",
                  "$ACTIVATION_TOKEN"):
        assert label in text, label
    for secret in keys:
        assert secret not in text
    assert "eyJ" not in text  # no activation token (JWT form) shows, whole or in part
